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
  const announcer = document.getElementById("annonce");
  const UNDO_SECONDS = 30;
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

  function actionsFor(item, text) {
    const id = item.dataset.id;
    const box = document.createElement("div");
    box.className = "capture-actions";
    const edit = document.createElement("a");
    edit.className = "fr-btn fr-btn--secondary fr-btn--sm";
    edit.dataset.action = "edit";
    edit.href = "?modifier=" + id + "#saisie-" + id;
    edit.textContent = "Modifier";
    const del = document.createElement("button");
    del.type = "button";
    del.className = "fr-btn fr-btn--tertiary fr-btn--sm";
    del.dataset.action = "delete";
    del.textContent = "Supprimer";
    [edit, del].forEach((button) => {
      const hidden = document.createElement("span");
      hidden.className = "fr-sr-only";
      hidden.textContent = " : " + (text.length > 60 ? text.slice(0, 59) + "…" : text);
      button.appendChild(hidden);
    });
    box.append(edit, del);
    return box;
  }

  // The entry as the page shows it once the server has it: its text, « Modifier », « Supprimer ».
  function fill(item, text) {
    item.replaceChildren();
    const p = document.createElement("p");
    p.className = "capture-text fr-mb-1w";
    p.textContent = text;
    item.appendChild(p);
    if (item.dataset.id) {
      item.appendChild(actionsFor(item, text));
    }
  }

  function render(entry, pending) {
    let item = itemFor(entry.client_id);
    if (!item) {
      item = document.createElement("li");
      item.dataset.clientId = entry.client_id;
      item.tabIndex = -1;
      list.insertBefore(item, list.firstChild);
    }
    if (entry.id) {
      item.dataset.id = entry.id;
      item.id = "saisie-" + entry.id;
    }
    fill(item, entry.text);
    item.classList.toggle("pending", pending);
    countEntries();
  }

  function countEntries() {
    counter.textContent = String(list.querySelectorAll(":scope > li:not(.capture-removed)").length);
  }

  function announce(text) {
    // Emptied first, so that the same message said twice is read twice.
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 50);
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
    // Entrée or Ctrl+Entrée adds; Maj+Entrée goes to the next line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      add();
    }
  });
  window.addEventListener("online", flush);

  function urlFor(item, action) {
    return endpoint + item.dataset.id + "/" + (action ? action + "/" : "");
  }

  function focusEntry(item) {
    const target = item.querySelector("[data-action=edit]") || item;
    target.focus();
  }

  // « Modifier »: the text becomes a field in place; Entrée saves, Échap cancels, and the
  // focus comes back to the entry's « Modifier » either way.
  function startEdit(item) {
    const before = item.querySelector(".capture-text").textContent;
    const id = item.dataset.id;
    item.replaceChildren();
    const label = document.createElement("label");
    label.className = "fr-label";
    label.htmlFor = "modifier-" + id;
    label.textContent = "Modifier la proposition (Entrée enregistre, Échap annule)";
    const area = document.createElement("textarea");
    area.className = "fr-input";
    area.id = "modifier-" + id;
    area.rows = 2;
    area.maxLength = 5000;
    area.value = before;
    const buttons = document.createElement("div");
    buttons.className = "capture-actions fr-mt-1w";
    const save = document.createElement("button");
    save.type = "button";
    save.className = "fr-btn fr-btn--sm";
    save.textContent = "Enregistrer";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "fr-btn fr-btn--secondary fr-btn--sm";
    cancel.textContent = "Annuler";
    buttons.append(save, cancel);
    item.append(label, area, buttons);
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);

    let done = false;
    const close = (text, message) => {
      done = true;
      fill(item, text);
      focusEntry(item);
      if (message) {
        announce(message);
      }
    };
    const submit = async () => {
      if (done) {
        return;
      }
      const text = area.value.trim();
      if (text === before) {
        close(before, "Modification annulée : texte inchangé.");
        return;
      }
      let response;
      let data = {};
      try {
        response = await post(urlFor(item), { text: text });
        data = await response.json().catch(() => ({}));
      } catch (error) {
        announce("Réseau indisponible : modification non enregistrée. Réessayez.");
        area.focus();
        return;
      }
      if (response.ok) {
        close(data.text, "Proposition modifiée.");
      } else {
        announce(data.error || "Modification refusée.");
        area.focus();
      }
    };
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      } else if (e.key === "Escape") {
        e.preventDefault();
        close(before, "Modification annulée.");
      }
    });
    save.addEventListener("click", submit);
    cancel.addEventListener("click", () => close(before, "Modification annulée."));
  }

  // « Supprimer »: asked first in place; once confirmed the entry is withdrawn (kept with its
  // votes on the server) and « Annuler la suppression » is offered for UNDO_SECONDS.
  function askDelete(item) {
    const text = item.querySelector(".capture-text").textContent;
    const actions = item.querySelector(".capture-actions");
    const box = document.createElement("div");
    box.className = "capture-confirm fr-mt-1w";
    const question = document.createElement("p");
    question.className = "fr-mb-1w";
    question.textContent = list.dataset.confirmText;
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "fr-btn fr-btn--sm";
    yes.textContent = "Confirmer la suppression";
    const no = document.createElement("button");
    no.type = "button";
    no.className = "fr-btn fr-btn--secondary fr-btn--sm";
    no.textContent = "Garder la proposition";
    const buttons = document.createElement("div");
    buttons.className = "capture-actions";
    buttons.append(yes, no);
    box.append(question, buttons);
    actions.replaceWith(box);
    yes.focus();
    const keep = () => {
      box.replaceWith(actionsFor(item, text));
      focusEntry(item);
      announce("Suppression abandonnée.");
    };
    box.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        keep();
      }
    });
    no.addEventListener("click", keep);
    yes.addEventListener("click", async () => {
      let response;
      let data = {};
      try {
        response = await post(urlFor(item, "supprimer"), { confirm: "1" });
        data = await response.json().catch(() => ({}));
      } catch (error) {
        announce("Réseau indisponible : la proposition n’a pas été supprimée.");
        return;
      }
      if (!response.ok) {
        announce(data.error || "Suppression refusée.");
        keep();
        return;
      }
      showRemoved(item, text);
    });
  }

  function showRemoved(item, text) {
    item.classList.add("capture-removed");
    item.replaceChildren();
    const p = document.createElement("p");
    p.className = "fr-mb-1w";
    p.textContent = "Proposition supprimée : « " + text + " ».";
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "fr-btn fr-btn--secondary fr-btn--sm";
    undo.textContent = "Annuler la suppression";
    item.append(p, undo);
    countEntries();
    undo.focus();
    announce("Proposition supprimée. « Annuler la suppression » reste proposé " +
      UNDO_SECONDS + " secondes.");
    const timer = window.setTimeout(() => {
      const hadFocus = item.contains(document.activeElement);
      item.remove();
      if (hadFocus) {
        field.focus();
      }
    }, UNDO_SECONDS * 1000);
    undo.addEventListener("click", async () => {
      let response;
      let data = {};
      try {
        response = await post(urlFor(item, "retablir"), {});
        data = await response.json().catch(() => ({}));
      } catch (error) {
        announce("Réseau indisponible : la suppression n’a pas été annulée.");
        return;
      }
      if (!response.ok) {
        announce(data.error || "La suppression n’a pas pu être annulée.");
        return;
      }
      window.clearTimeout(timer);
      item.classList.remove("capture-removed");
      fill(item, data.text);
      countEntries();
      focusEntry(item);
      announce("Suppression annulée : la proposition est rétablie.");
    });
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    const item = button && button.closest("li");
    if (!item || !item.dataset.id) {
      return;
    }
    event.preventDefault();
    if (button.dataset.action === "edit") {
      startEdit(item);
    } else if (button.dataset.action === "delete") {
      askDelete(item);
    }
  });
  // The server-rendered « Supprimer » is a form (for the page without script); with the
  // script it asks in place instead of going to the confirmation page.
  list.querySelectorAll("form.capture-delete").forEach((deleteForm) => {
    const button = deleteForm.querySelector("button");
    button.type = "button";
    button.dataset.action = "delete";
  });

  load().forEach((entry) => render(entry, true));
  showStatus();
  flush();
})();
