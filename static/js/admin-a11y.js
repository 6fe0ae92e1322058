// Accessible names the Wagtail admin leaves out. Its rich text editors (Draftail) render an editable area with role="textbox"
// but no accessible name (axe-core: aria-input-field-name, serious). Name each one after its
// field's label, or for a rich text block of a StreamField after the block's heading. Editors
// appear late and inside new blocks, so keep watching the page.
(function () {
  "use strict";

  function nameEditors() {
    document.querySelectorAll('.public-DraftEditor-content[role="textbox"]').forEach(function (editable) {
      if (editable.hasAttribute("aria-labelledby") || editable.hasAttribute("aria-label")) {
        return;
      }
      var wrapper = editable.closest(".Draftail-Editor__wrapper");
      var input = wrapper && wrapper.parentElement.querySelector("input[type=hidden][id]");
      var label = input && document.querySelector('label[for="' + input.id + '"]');
      var block = editable.closest("section[aria-labelledby]");
      if (label) {
        if (!label.id) {
          label.id = input.id + "-label";
        }
        editable.setAttribute("aria-labelledby", label.id);
      } else if (block) {
        editable.setAttribute("aria-labelledby", block.getAttribute("aria-labelledby"));
      } else {
        editable.setAttribute("aria-label", "Rich text");
      }
    });
  }

  // The editor's "also editing" avatars are buttons with an empty picture and no text (axe:
  // button-name, critical): say what they stand for.
  function nameSessionAvatars() {
    document.querySelectorAll(".w-editing-sessions__session:not([aria-label])").forEach(function (button) {
      if (!button.textContent.trim()) {
        button.setAttribute("aria-label", "Someone else is editing this page");
      }
    });
  }

  function nameAll() {
    nameEditors();
    nameSessionAvatars();
  }

  var pending = false;
  new MutationObserver(function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        nameAll();
      });
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameAll);
})();
