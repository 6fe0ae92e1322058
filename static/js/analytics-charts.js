// Draw the analytics charts from the JSON the page embeds (id="chart-data").
(function () {
  const node = document.getElementById("chart-data");
  if (!node || !window.Chart) return;
  const data = JSON.parse(node.textContent);
  const palette = ["#1d4ed8", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed"];
  function draw(id, type, labels, series, options) {
    const canvas = document.getElementById(id);
    if (!canvas || !labels) return;
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: labels,
        datasets: series.map(function (s, i) {
          return { label: s[0], data: s[1], borderColor: palette[i], backgroundColor: palette[i] + "99", tension: 0.2 };
        }),
      },
      options: Object.assign({ responsive: true, interaction: { mode: "index", intersect: false },
                               scales: { y: { beginAtZero: true } } }, options || {}),
    });
  }
  const learners = [["Enrollments", data.enrollments], ["Completions", data.completions]];
  if (data.active) learners.push(["Active learners", data.active]);
  draw("learners-chart", "line", data.labels, learners);
  const revenue = [["Revenue", data.revenue]];
  if (data.vat) revenue.push(["VAT", data.vat]);
  draw("revenue-chart", "bar", data.labels, revenue);
  draw("funnel-chart", "bar", data.funnel_labels, [["Started", data.funnel_started], ["Completed", data.funnel_completed]],
       { indexAxis: "y" });
  draw("scores-chart", "bar", data.score_labels, [["Passed quizzes", data.score_counts]]);
})();
