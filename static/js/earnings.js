// The instructor's per-month earnings chart (Chart.js, vendored). The same numbers are in
// the table under it, so the page reads fine without JavaScript.
(function () {
  const canvas = document.getElementById("earnings-chart");
  const source = document.getElementById("earnings-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const brand = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim() || "#1d4ed8";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Earned", data: data.earned, backgroundColor: brand },
        { label: "Paid out", data: data.paid_out, backgroundColor: "#6b7280" },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true } },
    },
  });
})();
