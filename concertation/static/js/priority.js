// Priority vote: shows, as the participant types, how many of their points are left. The
// server checks the total itself; this only saves a round trip.
(function () {
  "use strict";
  const form = document.getElementById("repartition");
  const status = document.getElementById("points-restants");
  if (!form || !status) {
    return;
  }
  const limit = parseInt(form.dataset.points, 10);

  function update() {
    let total = 0;
    form.querySelectorAll("input[type=number]").forEach((input) => {
      const value = parseInt(input.value, 10);
      if (!Number.isNaN(value) && value > 0) {
        total += value;
      }
    });
    const left = limit - total;
    if (left >= 0) {
      status.textContent = left + (left > 1 ? " points restants" : " point restant") + " sur " + limit + ".";
    } else {
      status.textContent = "Vous dépassez de " + -left + (left < -1 ? " points" : " point") + " : retirez-en avant d’enregistrer.";
    }
  }

  form.addEventListener("input", update);
  update();
})();
