/* Assignment form: tell the student about a file that will be refused before uploading it
   (the server checks type, size and content again). */
(function () {
  "use strict";
  document.querySelectorAll("form.assignment-form").forEach(function (form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var input = form.querySelector("input[type=file]");
    var note = form.querySelector(".assignment-file-note");
    if (!input) return;
    var maxFiles = parseInt(form.dataset.maxFiles, 10);
    var maxBytes = parseInt(form.dataset.maxMb, 10) * 1024 * 1024;
    var accepted = (input.getAttribute("accept") || "").split(",").filter(Boolean);
    input.addEventListener("change", function () {
      var problems = [];
      if (input.files.length > maxFiles) problems.push("Choose at most " + maxFiles + " files.");
      Array.prototype.forEach.call(input.files, function (file) {
        var dot = file.name.lastIndexOf(".");
        var ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
        if (accepted.length && accepted.indexOf(ext) < 0) problems.push(file.name + ": this type is not accepted.");
        if (file.size > maxBytes) problems.push(file.name + " is larger than " + form.dataset.maxMb + " MB.");
      });
      input.setCustomValidity(problems.join(" "));
      if (note) note.textContent = problems.join(" ");
    });
  });
})();
