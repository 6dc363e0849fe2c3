// Live workshop capture that survives flaky venue Wi-Fi.
// Each entry gets an id in the browser and waits in localStorage until the server has
// acknowledged it; the server recognises a resent id, so a retry never makes a duplicate.
(function () {
  "use strict";
  const form = document.getElementById("saisie");
  if (!form || !window.fetch) {
    return; // the plain form still works
  }
  const field = document.getElementById("texte");
  const list = document.getElementById("saisies");
  const counter = document.getElementById("nombre-saisies");
  const status = document.getElementById("etat-reseau");
  const endpoint = form.dataset.endpoint;
  const storageKey = "concertation-saisie-" + form.dataset.workshop;
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  let delay = 1000;
  let flushing = false;
  let timer = null;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey)) || [];
    } catch (error) {
      return [];
    }
  }

  function save(queue) {
    window.localStorage.setItem(storageKey, JSON.stringify(queue));
  }

  function itemFor(clientId) {
    return list.querySelector('li[data-client-id="' + clientId + '"]');
  }

  function render(entry, pending) {
    let item = itemFor(entry.client_id);
    if (!item) {
      item = document.createElement("li");
      item.dataset.clientId = entry.client_id;
      const span = document.createElement("span");
      span.className = "capture-text";
      item.appendChild(span);
      list.insertBefore(item, list.firstChild);
    }
    item.querySelector(".capture-text").textContent = entry.text;
    item.classList.toggle("pending", pending);
    if (entry.id) {
      item.dataset.id = entry.id;
    }
    counter.textContent = String(list.children.length);
  }

  function showStatus() {
    const waiting = load().length;
    status.textContent = waiting
      ? waiting + " saisie(s) en attente d’envoi : elles partiront dès le retour du réseau."
      : "";
  }

  function post(url, data) {
    const body = new FormData();
    Object.keys(data).forEach((key) => body.append(key, data[key]));
    return fetch(url, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin",
    });
  }

  function retryLater() {
    timer = setTimeout(flush, delay);
    delay = Math.min(delay * 2, 30000);
  }

  // Sends the oldest waiting entry until none is left; entries added meanwhile are sent too.
  async function flush() {
    if (flushing) {
      return;
    }
    flushing = true;
    clearTimeout(timer);
    try {
      let queue;
      while ((queue = load()).length) {
        const entry = queue[0];
        let response;
        try {
          response = await post(endpoint, { text: entry.text, client_id: entry.client_id });
        } catch (error) {
          retryLater();
          return;
        }
        if (response.ok) {
          render(await response.json(), false);
        } else if (response.status === 400) {
          const problem = await response.json().catch(() => ({}));
          // Refused for good (empty, too long): give the text back to the facilitator.
          const item = itemFor(entry.client_id);
          if (item) {
            item.remove();
          }
          field.value = entry.text;
          status.textContent = problem.error || "Saisie refusée.";
        } else {
          retryLater();
          return;
        }
        save(load().filter((e) => e.client_id !== entry.client_id));
        delay = 1000;
      }
    } finally {
      flushing = false;
      if (status.textContent.indexOf("refusée") === -1) {
        showStatus();
      }
    }
  }

  function add() {
    const text = field.value.trim();
    if (!text) {
      status.textContent = "La proposition est vide.";
      return;
    }
    const entry = { client_id: newId(), text: text };
    const queue = load();
    queue.push(entry);
    save(queue);
    render(entry, true);
    field.value = "";
    field.focus();
    showStatus();
    flush();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    add();
  });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      add();
    }
  });
  window.addEventListener("online", flush);

  // Inline edit of an entry the server already has.
  list.addEventListener("click", (event) => {
    const span = event.target.closest(".capture-text");
    const item = span && span.closest("li");
    if (!item || !item.dataset.id || span.isContentEditable) {
      return;
    }
    const before = span.textContent;
    span.contentEditable = "true";
    span.focus();
    const finish = async (keep) => {
      span.contentEditable = "false";
      const text = span.textContent.trim();
      if (!keep || text === before) {
        span.textContent = before;
        return;
      }
      try {
        const response = await post(endpoint + item.dataset.id + "/", { text: text });
        const data = await response.json();
        if (!response.ok) {
          span.textContent = before;
          status.textContent = data.error || "Modification refusée.";
        }
      } catch (error) {
        span.textContent = before;
        status.textContent = "Réseau indisponible : modification non enregistrée.";
      }
    };
    span.addEventListener("keydown", function onKey(e) {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        span.removeEventListener("keydown", onKey);
        finish(true);
      } else if (e.key === "Escape") {
        span.removeEventListener("keydown", onKey);
        finish(false);
      }
    });
  });

  load().forEach((entry) => render(entry, true));
  showStatus();
  flush();
})();
