/* In-page PDF preview with pdf.js (an ES module, served from static/vendor/pdfjs). */
const viewers = document.querySelectorAll("[data-pdf-viewer]:not([data-ready])");
if (viewers.length) {
  const pdfjs = await import(viewers[0].dataset.lib);
  pdfjs.GlobalWorkerOptions.workerSrc = viewers[0].dataset.worker;
  for (const viewer of viewers) {
    viewer.dataset.ready = "loading";
    const canvas = viewer.querySelector("[data-pdf-canvas]");
    const label = viewer.querySelector("[data-pdf-page]");
    const previous = viewer.querySelector("[data-pdf-prev]");
    const next = viewer.querySelector("[data-pdf-next]");
    let pdf, current = 1, rendering = null;

    const render = async (number) => {
      if (rendering) await rendering.promise.catch(() => {});
      const page = await pdf.getPage(number);
      const width = Math.min(viewer.clientWidth - 16, 900);
      const scale = width / page.getViewport({scale: 1}).width;
      const ratio = window.devicePixelRatio || 1;
      const viewport = page.getViewport({scale: scale * ratio});
      canvas.width = viewport.width;
      canvas.height = viewport.height;
      canvas.style.width = `${viewport.width / ratio}px`;
      rendering = page.render({canvasContext: canvas.getContext("2d"), viewport});
      await rendering.promise;
      current = number;
      label.textContent = `Page ${current} of ${pdf.numPages}`;
      previous.disabled = current <= 1;
      next.disabled = current >= pdf.numPages;
    };

    try {
      pdf = await pdfjs.getDocument({url: viewer.dataset.src, withCredentials: true}).promise;
      await render(1);
      viewer.dataset.ready = "true";
    } catch (error) {
      label.textContent = "The preview could not be shown; use the download or open link instead.";
      viewer.dataset.ready = "error";
    }
    previous.addEventListener("click", () => current > 1 && render(current - 1));
    next.addEventListener("click", () => pdf && current < pdf.numPages && render(current + 1));
  }
}
