// The projector view's « Plein écran » button (Fullscreen API). A static file, as the strict
// CSP allows no inline script; the button stays hidden where the browser cannot do it.
(function () {
  "use strict";
  const button = document.getElementById("plein-ecran");
  if (!button || !document.fullscreenEnabled) {
    return;
  }
  button.hidden = false;
  function sync() {
    const on = Boolean(document.fullscreenElement);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Quitter le plein écran" : "Plein écran";
  }
  button.addEventListener("click", () => {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else {
      document.documentElement.requestFullscreen().catch(() => {
        button.textContent = "Plein écran refusé par le navigateur";
      });
    }
  });
  document.addEventListener("fullscreenchange", sync);
})();
