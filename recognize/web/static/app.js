// recognize UI: every change goes through the REST API with the session cookie and the CSRF header.
"use strict";

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Requested-With": "recognize" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail; } catch (_) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response.status === 204 ? null : response.json();
}

function show(message) {
  const box = document.getElementById("message");
  box.textContent = message;
  box.hidden = false;
}

// After a person operation the page reloads; the next page offers to undo it (the newest entry of the history).
function undoable() { sessionStorage.setItem("recognize-undo", "1"); }

async function offerUndo() {
  if (!sessionStorage.getItem("recognize-undo")) return;
  sessionStorage.removeItem("recognize-undo");
  const latest = (await api("GET", "/api/history?limit=1")).items[0];
  if (!latest || latest.undone_at) return;
  const box = document.getElementById("message");
  box.textContent = `Done: ${latest.summary}. `;
  const button = document.createElement("button");
  button.id = "undo";
  button.textContent = "Undo";
  button.addEventListener("click", async () => {
    try {
      await api("POST", `/api/history/${latest.id}/undo`);
      location.reload();
    } catch (error) { show(error.message); }
  });
  box.append(button);
  box.hidden = false;
}

function on(id, event, handler) {
  const element = document.getElementById(id);
  if (element) {
    element.addEventListener(event, async (e) => {
      e.preventDefault();
      try { await handler(element, e); } catch (error) { show(error.message); }
    });
  }
}

on("login", "submit", async (form) => {
  const data = new FormData(form);
  await api("POST", "/api/session", { name: data.get("name"), password: data.get("password") });
  location.href = "/";
});

on("rename", "submit", async (form) => {
  await api("PATCH", `/api/persons/${form.dataset.person}`, { name: new FormData(form).get("name") });
  undoable();
  location.reload();
});

on("merge", "submit", async (form) => {
  const source = Number(new FormData(form).get("source"));
  await api("POST", `/api/persons/${form.dataset.person}/merge`, { sources: [source] });
  undoable();
  location.reload();
});

on("hide", "click", async (button) => {
  await api("PATCH", `/api/persons/${button.dataset.person}`, { hidden: button.dataset.hidden === "true" });
  undoable();
  location.href = "/";
});

on("pause", "click", async (button) => {
  await api("POST", `/api/${button.dataset.paused === "true" ? "resume" : "pause"}`);
  location.reload();
});

on("faces", "submit", async (form, event) => {
  const data = new FormData(form);
  const faces = data.getAll("face").map(Number);
  const action = event.submitter ? event.submitter.value : "move";
  if (faces.length === 0) { show("Select one or more faces first."); return; }
  if (action === "new") {
    const created = await api("POST", "/api/persons", { faces, name: (data.get("name") || "").trim() || null });
    undoable();
    location.href = `/persons/${created.id}`;
    return;
  }
  if (action === "split") {
    const created = await api("POST", `/api/persons/${form.dataset.person}/split`, { faces });
    undoable();
    location.href = `/persons/${created.id}`;
    return;
  }
  const target = action === "unassign" ? null : Number(data.get("target")) || null;
  if (action === "move" && target === null) { show("Choose the person to move the faces to."); return; }
  for (const face of faces) { await api("POST", `/api/faces/${face}/move`, { person: target }); }
  undoable();
  location.reload();
});

on("user-settings", "submit", async (form) => {
  await api("PATCH", "/api/me/settings", { faces: Object.fromEntries(new FormData(form)) });
  show("Saved: unassigned faces are grouped with these settings from the next run.");
});

document.querySelector("#add-library")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const values = Object.fromEntries(new FormData(event.target));
  const body = { path: values.path.trim() };
  if (values.login) body.login = values.login;
  if (values.password) body.password = values.password;
  try {
    const added = await api("POST", "/api/libraries", body);
    await api("POST", `/api/libraries/${added.id}/rescan`);
    location.reload();
  } catch (error) { show(error.message); }
});

document.querySelectorAll("form.library-settings").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    values.enabled = form.elements.enabled.checked;
    try {
      await api("PATCH", `/api/libraries/${form.dataset.library}/settings`, { faces: values });
      show("Saved: applies to files analysed from now on.");
    } catch (error) { show(error.message); }
  });
});

document.querySelectorAll("form.library-analyses").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const switches = Object.fromEntries([...form.querySelectorAll("input[type=checkbox]")].map((box) => [box.name, box.checked ? "on" : "off"]));
    try {
      await api("PATCH", `/api/libraries/${form.dataset.library}/settings`, { analyses: switches });
      show("Saved: applies to files analysed from now on.");
    } catch (error) { show(error.message); }
  });
});

document.querySelectorAll("select.reassign").forEach((select) => {
  select.addEventListener("change", async () => {
    try {
      await api("POST", `/api/faces/${select.dataset.face}/move`, { person: Number(select.value) || null });
      undoable();
      location.reload();
    } catch (error) { show(error.message); }
  });
});

document.querySelectorAll("form.who").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("PATCH", `/api/persons/${form.dataset.person}`, { name: new FormData(form).get("name") });
      undoable();
      location.reload();
    } catch (error) { show(error.message); }
  });
});

const newer = document.getElementById("newer");
const older = document.getElementById("older");
if (newer || older) {
  document.addEventListener("keydown", (event) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) || event.ctrlKey || event.metaKey) return;
    const target = { ArrowLeft: newer, ArrowRight: older }[event.key];
    if (target) { event.preventDefault(); location.href = target.href; }
  });
}

const question = document.getElementById("question");
if (question) {
  const picks = [...question.querySelectorAll(".pick input")];
  const reply = async (answer) => {
    const body = { answer };
    if (picks.length && answer === "yes") body.except = picks.filter((box) => !box.checked).map((box) => Number(box.dataset.face));
    try {
      await api("POST", `/api/confirmations/${question.dataset.id}`, body);
      if (answer !== "skip") undoable();
      location.reload();
    } catch (error) { show(error.message); }
  };
  question.querySelectorAll("button[data-answer]").forEach((button) => {
    button.addEventListener("click", () => reply(button.dataset.answer));
  });
  if (picks.length) picks[0].focus();
  document.addEventListener("keydown", (event) => {
    const at = picks.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (picks.length && step) {
      event.preventDefault();
      picks[(Math.max(at, 0) + step + picks.length) % picks.length].focus();
      return;
    }
    const onPick = at >= 0;
    const answer = { y: "yes", n: "no", s: "skip", ...(picks.length ? { Enter: "yes" } : {}) }[event.key];
    const typing = ["TEXTAREA"].includes(event.target.tagName) || (event.target.tagName === "INPUT" && !onPick);
    if (answer && !event.ctrlKey && !event.metaKey && !typing) {
      event.preventDefault();
      reply(answer);
    }
  });
}

// A face beside every menu that offers persons, so "Person 12" is someone you can see.
document.querySelectorAll("select[name=source], select[name=target], select.reassign").forEach((select) => {
  const face = document.createElement("img");
  face.className = "pick-face";
  face.alt = "";
  face.width = face.height = 40;
  const update = () => {
    face.hidden = !Number(select.value);
    if (!face.hidden) face.src = `/api/persons/${select.value}/cover`;
  };
  select.after(face);
  select.addEventListener("change", update);
  update();
});

// The viewer: the photo filling the window, zoom (wheel, + and -, double click) and pan (drag), full screen,
// face boxes on demand (f), the next and previous photos by arrow keys or a swipe, Escape to close.
const photo = document.getElementById("photo");
if (photo) {
  const toggleFaces = document.getElementById("toggle-faces");
  const setFaces = (shown) => {
    document.body.classList.toggle("show-faces", shown);
    toggleFaces.setAttribute("aria-pressed", String(shown));
    toggleFaces.textContent = shown ? "Hide faces" : "Show faces";
  };
  toggleFaces.addEventListener("click", () => setFaces(!document.body.classList.contains("show-faces")));
  const viewer = document.createElement("div");
  viewer.id = "lightbox";
  viewer.hidden = true;
  viewer.setAttribute("role", "dialog");
  viewer.setAttribute("aria-label", "photo viewer");
  const stage = photo.cloneNode(true);
  stage.id = "lightbox-photo";
  stage.removeAttribute("style");
  const controls = document.createElement("div");
  controls.className = "controls";
  for (const [act, label] of [["faces", "Faces"], ["full", "Full screen"], ["close", "Close"]]) {
    const button = document.createElement("button");
    button.dataset.act = act;
    button.textContent = label;
    controls.append(button);
  }
  viewer.append(stage, controls);
  document.body.append(viewer);
  let scale = 1, x = 0, y = 0, dragging = null;
  const draw = () => { stage.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; };
  const zoom = (factor) => { scale = Math.min(8, Math.max(1, scale * factor)); if (scale === 1) { x = 0; y = 0; } draw(); };
  const open = () => { viewer.hidden = false; scale = 1; x = 0; y = 0; draw(); };
  const close = () => { viewer.hidden = true; if (document.fullscreenElement) document.exitFullscreen(); };
  const go = (link) => { if (link) location.href = `${link.getAttribute("href")}?view=1`; };
  document.getElementById("open-viewer").addEventListener("click", open);
  photo.addEventListener("click", (event) => { if (!event.target.closest(".box")) { event.preventDefault(); open(); } });
  controls.addEventListener("click", (event) => {
    const act = event.target.dataset.act;
    if (act === "close") close();
    if (act === "faces") setFaces(!document.body.classList.contains("show-faces"));
    if (act === "full") (document.fullscreenElement ? document.exitFullscreen() : viewer.requestFullscreen()).catch(() => {});
  });
  viewer.addEventListener("wheel", (event) => { event.preventDefault(); zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2); }, { passive: false });
  viewer.addEventListener("dblclick", () => zoom(scale > 1 ? 1 / scale : 2.5));
  viewer.addEventListener("pointerdown", (event) => {
    if (event.target.closest(".controls")) return;
    dragging = { startX: event.clientX, startY: event.clientY, x, y };
  });
  viewer.addEventListener("pointermove", (event) => {
    if (!dragging || scale === 1) return;
    x = dragging.x + event.clientX - dragging.startX;
    y = dragging.y + event.clientY - dragging.startY;
    draw();
  });
  viewer.addEventListener("pointerup", (event) => {
    if (dragging && scale === 1 && Math.abs(event.clientX - dragging.startX) > 60) {
      go(event.clientX < dragging.startX ? document.getElementById("older") : document.getElementById("newer"));
    }
    dragging = null;
  });
  document.addEventListener("keydown", (event) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) || event.ctrlKey || event.metaKey) return;
    if (event.key === "f") setFaces(!document.body.classList.contains("show-faces"));
    if (event.key === "v" && viewer.hidden) open();
    if (viewer.hidden) return;
    if (event.key === "Escape") close();
    if (event.key === "+" || event.key === "=") zoom(1.2);
    if (event.key === "-") zoom(1 / 1.2);
    if (event.key === "ArrowRight") { event.stopImmediatePropagation(); go(document.getElementById("older")); }
    if (event.key === "ArrowLeft") { event.stopImmediatePropagation(); go(document.getElementById("newer")); }
  }, true);
  if (new URLSearchParams(location.search).get("view")) open();
}

offerUndo().catch(() => {}).finally(() => { document.body.dataset.ready = "true"; });
