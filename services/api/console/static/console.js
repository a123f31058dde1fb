// The console's only script of its own: htmx requests carry the session's CSRF token, and a form's submit button
// is disabled while the form is being sent (the server acts once anyway: each form carries its Idempotency-Key).
document.addEventListener("htmx:configRequest", function (event) {
  event.detail.headers["X-CSRF-Token"] = document.body.dataset.csrf;
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
  }, 0);
});
