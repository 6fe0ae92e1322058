"""Copy the front-end libraries installed from npm into static/vendor/ (served by us, never
a CDN). Run by `make` after `npm ci`."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

COPIES = {
    "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "plyr/plyr.min.js": "plyr/dist/plyr.min.js",
    "plyr/plyr.css": "plyr/dist/plyr.css",
    "plyr/plyr.svg": "plyr/dist/plyr.svg",
    "hls/hls.min.js": "hls.js/dist/hls.min.js",
    "pdfjs/pdf.min.mjs": "pdfjs-dist/legacy/build/pdf.min.mjs",
    "pdfjs/pdf.worker.min.mjs": "pdfjs-dist/legacy/build/pdf.worker.min.mjs",
    "chartjs/chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "h5p-standalone": "h5p-standalone/dist",
}


def main():
    for target, source in COPIES.items():
        src, dst = NODE / source, VENDOR / target
        if not src.exists():
            raise SystemExit(f"{src} is missing: run `npm ci --ignore-scripts` first.")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
            # Source maps travel with their files: the production static storage checks
            # every sourceMappingURL a file names.
            source_map = src.with_name(src.name + ".map")
            if source_map.exists():
                shutil.copy2(source_map, dst.with_name(dst.name + ".map"))
    print(f"vendor files copied to {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
