/* LTI 1.3 launch: post the platform's id_token (and the tool's state) to the tool's launch
   URL as soon as the page loads (OIDC response_mode=form_post). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-lti-post]");
  if (form) form.submit();
})();
