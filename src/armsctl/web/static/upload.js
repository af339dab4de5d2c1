// The upload forms (the declaration upload, and every form marked data-upload-form, such as
// the signed site reveal on the inspections page): show every refusal of the server beside the
// form.
//
// htmx leaves 4xx answers unswapped by default; the server answers a refused upload with the
// upload result fragment and its real status (403, 404, 409, 422), so those are swapped in
// like a success. A 413 comes from the body limit in front of the application as the API's
// JSON error; it is turned into the same notice here. htmx disables the submit button
// (hx-disabled-elt) and shows the progress line (hx-indicator) while the request runs.
(function () {
  "use strict";

  function notice(name, message) {
    var box = document.createElement("div");
    box.className = "notice error";
    box.setAttribute("role", "alert");
    box.id = "upload-errors";
    box.dataset.status = "413";
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = name + " was not submitted (too large):";
    p.appendChild(strong);
    p.appendChild(document.createTextNode(" " + message + ". Nothing in it was stored or logged."));
    box.appendChild(p);
    return box;
  }

  function fileName(form) {
    var input = form.querySelector("input[type=file]");
    return input && input.files && input.files[0] ? input.files[0].name : "the file";
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !form.matches || !form.matches("#upload-form, [data-upload-form]")) return;
    var status = event.detail.xhr.status;
    if (status === 413) {
      var detail = "the file is over the server's limit";
      try {
        detail = JSON.parse(event.detail.xhr.responseText).detail || detail;
      } catch (e) { /* not JSON: keep the general message */ }
      event.detail.shouldSwap = false;
      var target = document.querySelector(form.dataset.result || "#upload-result");
      target.replaceChildren(notice(fileName(form), detail));
      return;
    }
    if (status >= 400 && status < 500 && status !== 401) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
