// Starts Swagger UI from the locally served bundle (no CDN): the page works in an air-gapped
// office, and no third-party script runs where users paste their tokens.
"use strict";
(function () {
  var target = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: target.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
