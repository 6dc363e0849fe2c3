// The door without network (issue 18). The day's list (name, code, status, college,
// workshops) is kept in this browser's localStorage; search, QR scan and check-in use it
// alone. Each arrival or walk-in is queued under an id made here (a UUID) and sent to the
// server when the network allows: the server applies each id once, so sending again after a
// lost answer changes nothing. What the server refuses (a registration cancelled meanwhile,
// a person already pointed on another device) is shown here, in its words.
(function () {
  "use strict";
  const root = document.getElementById("accueil-appareil");
  if (!root || !window.localStorage) {
    return;
  }
  const KEY = "concertation-accueil-" + root.dataset.event;
  const BATCH = 50;
  const RETRY_MS = 10000;
  const REFRESH_MS = 60000;
  const $ = (id) => document.getElementById(id);
  const network = $("etat-reseau");
  const counter = $("compteur-presents");
  const pending = $("en-attente");
  const listDate = $("liste-date");
  const notices = $("avis");
  const results = $("resultats");
  const search = $("recherche");
  const codeForm = $("formulaire-code");
  const walkInForm = $("formulaire-sur-place");
  const sendButton = $("envoyer");
  const refreshButton = $("rafraichir");

  // {list: [registration], at: "ISO date of the list", queue: [item]}
  let store = read();
  let syncing = false;

  function read() {
    try {
      const value = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (value && Array.isArray(value.list) && Array.isArray(value.queue)) {
        return value;
      }
    } catch (error) {
      // A broken copy: start again from the server's list.
    }
    return { list: [], at: null, queue: [] };
  }

  function save() {
    window.localStorage.setItem(KEY, JSON.stringify(store));
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
  }

  function byCode(code) {
    return store.list.find((r) => r.code === code);
  }

  function fullName(r) {
    return r.first_name + " " + r.last_name;
  }

  // --- What the page shows -------------------------------------------------------------

  function notice(text, kind) {
    const box = document.createElement("div");
    box.className = "fr-alert fr-alert--sm fr-mb-1w fr-alert--" + (kind || "info");
    const p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
    notices.prepend(box);
    while (notices.children.length > 8) {
      notices.lastChild.remove();
    }
  }

  function showNetwork() {
    network.textContent = navigator.onLine
      ? "En ligne : les arrivées partent aussitôt."
      : "Hors ligne : les arrivées sont gardées sur cet appareil et partiront au retour du réseau.";
  }

  function showCounts() {
    const confirmed = store.list.filter((r) => r.status === "confirmed");
    const present = confirmed.filter((r) => r.checked_in_at).length;
    counter.textContent = present + " présent" + (present > 1 ? "s" : "") + " sur " +
      confirmed.length + " inscrit" + (confirmed.length > 1 ? "s" : "");
    const n = store.queue.length;
    pending.textContent = n
      ? n + " élément" + (n > 1 ? "s" : "") + " en attente d’envoi"
      : "Aucune arrivée en attente d’envoi.";
    sendButton.hidden = !n;
    refreshButton.hidden = false;
    listDate.textContent = store.at ? "Liste du " + new Date(store.at).toLocaleString("fr-FR") : "";
  }

  function badge(text, kind) {
    const span = document.createElement("span");
    span.className = "fr-badge fr-badge--sm fr-ml-1w fr-badge--" + kind;
    span.textContent = text;
    return span;
  }

  function showResults() {
    const query = fold(search.value.trim());
    results.replaceChildren();
    if (!query) {
      return;
    }
    const found = store.list.filter((r) =>
      fold(r.last_name + " " + r.first_name + " " + r.first_name + " " + r.last_name).includes(query) ||
      r.code.toLowerCase() === query).slice(0, 30);
    if (!found.length) {
      const li = document.createElement("li");
      li.textContent = "Personne ne correspond dans la liste de cet appareil.";
      results.appendChild(li);
      return;
    }
    for (const r of found) {
      const li = document.createElement("li");
      li.className = "fr-mb-1w";
      if (r.status === "confirmed" && !r.checked_in_at) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "fr-btn fr-btn--sm fr-mr-1w";
        button.textContent = "Pointer";
        const hidden = document.createElement("span");
        hidden.className = "fr-sr-only";
        hidden.textContent = " " + fullName(r);
        button.appendChild(hidden);
        button.addEventListener("click", () => checkIn(r.code));
        li.appendChild(button);
      }
      const text = document.createElement("span");
      text.textContent = r.last_name.toUpperCase() + " " + r.first_name + " — " + r.college +
        (r.organisation ? " — " + r.organisation : "") +
        r.workshops.map((w) => " — " + w).join("") + " (" + r.code + ")";
      li.appendChild(text);
      if (r.status === "cancelled") {
        li.appendChild(badge("Annulée", "error"));
      } else if (r.status !== "confirmed") {
        li.appendChild(badge("Liste d’attente", "warning"));
      } else if (r.checked_in_at) {
        li.appendChild(badge("Présent(e) depuis " + time(r.checked_in_at) +
          (r.offline ? " (hors ligne)" : "") + (r.queued ? ", à envoyer" : ""), "success"));
      }
      results.appendChild(li);
    }
  }

  function render() {
    showNetwork();
    showCounts();
    showResults();
  }

  // --- Recording at the door -----------------------------------------------------------

  function queue(item) {
    item.client_id = newId();
    item.device_at = new Date().toISOString();
    item.offline = !navigator.onLine;
    store.queue.push(item);
    save();
    render();
    sync();
  }

  function checkIn(code) {
    const r = byCode(code);
    if (r && r.status === "cancelled") {
      notice(fullName(r) + " : inscription annulée, l’arrivée n’est pas enregistrée.", "error");
      return false;
    }
    if (r && r.status !== "confirmed") {
      notice(fullName(r) + " : inscription en liste d’attente, sans place confirmée — " +
        "l’arrivée n’est pas enregistrée.", "error");
      return false;
    }
    if (r && r.checked_in_at) {
      notice(fullName(r) + " était déjà pointé(e) à " + time(r.checked_in_at) +
        " : une seule arrivée est comptée.", "warning");
      return false;
    }
    if (r) {
      r.checked_in_at = new Date().toISOString();
      r.offline = !navigator.onLine;
      r.queued = true;
      notice(fullName(r) + " : arrivée enregistrée" + (r.offline ? " (hors ligne)." : "."),
        "success");
    } else {
      notice("Code « " + code + " » absent de la liste de cet appareil : il est envoyé pour " +
        "vérification.", "warning");
    }
    queue({ kind: "check_in", code: code });
    return true;
  }

  const CODE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;

  function fieldError(input, message) {
    const group = input.closest(".fr-input-group, .fr-select-group, .fr-checkbox-group");
    const errorClass = group.classList.contains("fr-select-group") ? "fr-select-group--error"
      : group.classList.contains("fr-checkbox-group") ? "fr-checkbox-group--error"
        : "fr-input-group--error";
    let p = group.querySelector(".fr-error-text");
    if (!message) {
      group.classList.remove(errorClass);
      if (p) {
        p.remove();
      }
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      return;
    }
    group.classList.add(errorClass);
    if (!p) {
      p = document.createElement("p");
      p.className = "fr-error-text";
      p.id = input.id + "-erreurs";
      group.appendChild(p);
    }
    p.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", p.id);
  }

  codeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = codeForm.elements.code;
    const code = input.value.trim().toUpperCase();
    const error = $("code-erreur");
    if (!CODE.test(code)) {
      error.textContent = "Code d’inscription invalide : 8 lettres et chiffres (sans 0, O, 1, I ni L).";
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "code-erreur");
      $("groupe-code").classList.add("fr-input-group--error");
      input.focus();
      return;
    }
    error.hidden = true;
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    $("groupe-code").classList.remove("fr-input-group--error");
    checkIn(code);
    input.value = "";
    input.focus();
  });

  walkInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = walkInForm.elements;
    const checks = [
      [f.first_name, f.first_name.value.trim() ? "" : "Indiquez le prénom."],
      [f.last_name, f.last_name.value.trim() ? "" : "Indiquez le nom."],
      [f.college, f.college.value ? "" : "Choisissez le collège dans la liste."],
      [f.email, !f.email.value.trim() || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email.value.trim())
        ? "" : "Adresse électronique invalide (exemple : nom@domaine.fr)."],
      [f.consent, f.consent.checked ? "" : "Sans l’accord de la personne, elle ne peut pas " +
        "être inscrite : cochez la case une fois son accord obtenu."],
    ];
    let first = null;
    for (const [input, message] of checks) {
      fieldError(input, message);
      if (message && !first) {
        first = input;
      }
    }
    if (first) {
      first.focus();
      return;
    }
    const item = {
      kind: "walk_in", first_name: f.first_name.value.trim(), last_name: f.last_name.value.trim(),
      organisation: f.organisation.value.trim(), college: f.college.value,
      email: f.email.value.trim(), consent: true,
    };
    const label = f.college.options[f.college.selectedIndex].text;
    queue(item);
    store.list.push({
      code: "", first_name: item.first_name, last_name: item.last_name, status: "confirmed",
      college: label, organisation: item.organisation, workshops: [],
      checked_in_at: new Date().toISOString(), offline: !navigator.onLine, queued: true,
      walk_in: store.queue[store.queue.length - 1].client_id,
    });
    save();
    render();
    notice(item.first_name + " " + item.last_name + " : inscription sur place enregistrée" +
      (navigator.onLine ? "." : " (hors ligne)."), "success");
    walkInForm.reset();
    f.first_name.focus();
  });

  // --- The server ----------------------------------------------------------------------

  function apply(item, answer) {
    const r = item.kind === "walk_in"
      ? store.list.find((x) => x.walk_in === item.client_id)
      : byCode(item.code);
    if (answer.outcome === "recorded") {
      if (r) {
        r.queued = false;
        r.checked_in_at = answer.checked_in_at || r.checked_in_at;
        if (item.kind === "walk_in") {
          r.code = answer.code;
          delete r.walk_in;
        }
      }
      if (item.kind === "walk_in") {
        notice(answer.message + " Code : " + answer.code + ".", "success");
      }
      return;
    }
    if (r) {
      r.queued = false;
      if (answer.outcome === "already") {
        r.checked_in_at = answer.checked_in_at || r.checked_in_at;
        r.offline = false;
      } else if (item.kind === "walk_in") {
        store.list.splice(store.list.indexOf(r), 1);
      } else {
        r.checked_in_at = null;
        if (/annulée/.test(answer.message)) {
          r.status = "cancelled";
        }
      }
    }
    notice(answer.message, answer.outcome === "already" ? "warning" : "error");
  }

  async function sync() {
    if (syncing || !store.queue.length) {
      return;
    }
    syncing = true;
    try {
      while (store.queue.length) {
        const batch = store.queue.slice(0, BATCH);
        let response;
        try {
          response = await fetch(root.dataset.syncUrl, {
            method: "POST", credentials: "same-origin", redirect: "manual",
            headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
            body: JSON.stringify({ items: batch }),
          });
        } catch (error) {
          // No network: whatever is still queued was made without it.
          store.queue.forEach((item) => { item.offline = true; });
          store.list.forEach((r) => { if (r.queued) { r.offline = true; } });
          save();
          break;
        }
        if (response.status === 503) {
          // The database was busy (« réessayez ») : nothing was applied, try again shortly.
          window.setTimeout(sync, 2000);
          break;
        }
        const json = (response.headers.get("Content-Type") || "").includes("application/json");
        if (!response.ok || !json) {
          notice(response.status === 403 || response.type === "opaqueredirect"
            ? "Session expirée ou droits retirés : reconnectez-vous dans un autre onglet. " +
              "Les arrivées restent sur cet appareil."
            : "Le serveur n’a pas accepté l’envoi (" + response.status + ") : les arrivées " +
              "restent sur cet appareil.", "error");
          break;
        }
        const answers = (await response.json()).results || [];
        const byId = new Map(answers.map((a) => [a.client_id, a]));
        store.queue = store.queue.filter((item) => {
          const answer = byId.get(item.client_id);
          if (!answer) {
            return true;
          }
          apply(item, answer);
          return false;
        });
        save();
        if (answers.length < batch.length) {
          break;
        }
      }
    } finally {
      syncing = false;
      render();
    }
  }

  async function refresh() {
    if (!navigator.onLine) {
      render();
      return;
    }
    try {
      const response = await fetch(root.dataset.listUrl, { credentials: "same-origin",
        redirect: "manual" });
      if (!response.ok) {
        render();
        return;
      }
      const data = await response.json();
      const waiting = new Set(store.queue.filter((i) => i.kind === "check_in").map((i) => i.code));
      const local = store.list.filter((r) => r.walk_in);
      store.list = data.registrations.map((r) => {
        if (waiting.has(r.code) && !r.checked_in_at) {
          const item = store.queue.find((i) => i.code === r.code);
          return Object.assign(r, { checked_in_at: item.device_at, offline: item.offline,
            queued: true });
        }
        return r;
      }).concat(local);
      store.at = data.at;
      save();
    } catch (error) {
      // Offline after all: the copy kept here goes on.
    }
    render();
  }

  search.addEventListener("input", showResults);
  sendButton.addEventListener("click", sync);
  refreshButton.addEventListener("click", refresh);
  window.addEventListener("online", () => { render(); sync().then(refresh); });
  window.addEventListener("offline", render);
  window.setInterval(sync, RETRY_MS);
  window.setInterval(() => { if (!store.queue.length) { refresh(); } }, REFRESH_MS);
  render();
  sync().then(refresh);

  // --- QR codes, where the browser can read them -----------------------------------------

  const scanButton = $("scanner");
  const video = $("camera");
  const scanState = $("scanner-etat");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  scanButton.hidden = false;
  let stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
    video.hidden = true;
  }

  scanButton.addEventListener("click", async () => {
    if (stream) {
      stop();
      scanState.textContent = "";
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      scanState.textContent = "La caméra n’est pas accessible : tapez le code.";
      return;
    }
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    scanState.textContent = "Présentez le QR code à la caméra.";
    const scan = async () => {
      if (!stream) {
        return;
      }
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) {
        const code = codes[0].rawValue.trim().toUpperCase();
        stop();
        scanState.textContent = "Code lu : " + code + ".";
        checkIn(code);
        // Ready for the next person.
        window.setTimeout(() => scanButton.click(), 1500);
        return;
      }
      window.requestAnimationFrame(scan);
    };
    window.requestAnimationFrame(scan);
  });
})();
