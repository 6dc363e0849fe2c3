// Door check-in: read a registration's QR code with the device camera where the browser
// offers BarcodeDetector, fill the code field and submit. Typing the code always works.
(function () {
  "use strict";
  const button = document.getElementById("scanner");
  const video = document.getElementById("camera");
  const status = document.getElementById("scanner-etat");
  const form = document.getElementById("formulaire-code");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  let stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
    video.hidden = true;
  }

  button.addEventListener("click", async () => {
    if (stream) {
      stop();
      status.textContent = "";
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      status.textContent = "La caméra n’est pas accessible : tapez le code.";
      return;
    }
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    status.textContent = "Présentez le QR code à la caméra.";
    const scan = async () => {
      if (!stream) {
        return;
      }
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) {
        form.elements.code.value = codes[0].rawValue.trim().toUpperCase();
        stop();
        form.submit();
        return;
      }
      window.requestAnimationFrame(scan);
    };
    window.requestAnimationFrame(scan);
  });
})();
