/* The demo AI tool: VAT practice graded in the browser. It shows the whole protocol:
   1. read ?token= (the launch JWT) and ?origin= (the lesson page's origin);
   2. POST /api/v1/ai-tools/validate-token/ {token} → session_token, user, tool parameters;
   3. POST /api/v1/ai-tools/complete/ {token: session_token, score, time_spent, data};
   4. postMessage {type: "lectern:ai-tool:completed", score} to the lesson page, which
      confirms the result with the server. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var launchToken = params.get("token");
  var parentOrigin = params.get("origin") || window.location.origin;
  var api = "/api/v1/ai-tools/";
  var started = Date.now();
  var session = null;
  var prices = [11500, 23000, 9999, 4600, 100000];  // cents, VAT included

  function $(id) { return document.getElementById(id); }

  function post(path, body) {
    return fetch(api + path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      });
  }

  function vatCents(gross, ratePercent) {
    // gross × rate / (100 + rate), rounded half up to the cent
    return Math.floor((gross * ratePercent * 2 + (100 + ratePercent)) / (2 * (100 + ratePercent)));
  }

  function rand(cents) { return "R" + (cents / 100).toFixed(2); }

  function build(rate) {
    document.querySelector("[data-rate]").textContent = rate;
    var holder = $("questions");
    prices.forEach(function (gross, index) {
      var div = document.createElement("div");
      div.className = "vat-question";
      div.innerHTML = '<label for="q' + index + '">' + (index + 1) + '. A price of <span data-price="' + gross + '">' +
        rand(gross) + '</span> includes VAT. How much is the VAT?</label>' +
        '<input id="q' + index + '" name="q' + index + '" inputmode="decimal" autocomplete="off" placeholder="e.g. 15.00">' +
        ' <span class="feedback" aria-live="polite"></span>';
      holder.appendChild(div);
    });
    $("practice").hidden = false;
  }

  function grade(rate) {
    var correct = 0, answers = [];
    prices.forEach(function (gross, index) {
      var input = $("q" + index), feedback = input.parentNode.querySelector(".feedback");
      var given = Math.round(parseFloat(String(input.value).replace(",", ".").replace(/^R/i, "")) * 100);
      var expected = vatCents(gross, rate);
      var ok = given === expected;
      if (ok) correct += 1;
      feedback.textContent = ok ? "Correct" : "Not quite: " + rand(expected);
      feedback.className = "feedback " + (ok ? "correct" : "wrong");
      answers.push({price_cents: gross, answer_cents: isNaN(given) ? null : given, correct: ok});
    });
    return {score: Math.round(correct * 100 / prices.length), answers: answers, correct: correct};
  }

  if (!launchToken) {
    $("greeting").textContent = "Open this tool from its lesson: it needs a launch token.";
    return;
  }
  post("validate-token/", {token: launchToken}).then(function (reply) {
    if (!reply.ok) {
      $("greeting").textContent = (reply.data && reply.data.detail) || "This launch could not be validated.";
      return;
    }
    session = reply.data;
    var name = session.user.first_name;
    $("greeting").textContent = (name ? "Hi " + name + "! " : "") + "Five prices; find the VAT in each.";
    var rate = parseFloat(session.tool.parameters.vat_rate || "15");
    build(rate);
    // A button, not a form: the lesson's sandbox does not allow form submission.
    $("check").addEventListener("click", function () {
      var outcome = grade(rate);
      var button = $("check");
      button.disabled = true;
      post("complete/", {
        token: session.session_token, score: outcome.score,
        time_spent: Math.round((Date.now() - started) / 1000), data: {answers: outcome.answers}
      }).then(function (done) {
        if (!done.ok) {
          $("result").textContent = (done.data && done.data.detail) || "Your result could not be saved.";
          return;
        }
        $("result").textContent = "You got " + outcome.correct + " of " + prices.length + " (" + outcome.score + "%). " +
          (done.data.activity_completed ? "Well done: this activity is complete." : "Reload the lesson to try again.");
        window.parent.postMessage({type: "lectern:ai-tool:completed", score: outcome.score}, parentOrigin);
      });
    });
  });
})();
