/* Loaded first in the sandboxed H5P iframe. An opaque origin has no storage: reading
   localStorage, sessionStorage or document.cookie throws, and H5P core reads them. Each
   becomes an in-memory stand-in that lasts as long as the page (progress is saved by the
   lesson page on the server instead). */
(function () {
  "use strict";
  function memoryStorage() {
    var items = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; },
      key: function (index) { return Object.keys(items)[index] || null; },
      get length() { return Object.keys(items).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      window[name].getItem("probe");
    } catch (error) {
      Object.defineProperty(window, name, {value: memoryStorage(), configurable: true});
    }
  });
  try {
    void document.cookie;
  } catch (error) {
    Object.defineProperty(document, "cookie", {get: function () { return ""; }, set: function () {}, configurable: true});
  }
})();
