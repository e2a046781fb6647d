// example.hello.web front end: asks the back-end component for a greeting.
"use strict";
fetch("/api/hello")
  .then((r) => (r.ok ? r.text() : Promise.reject(new Error("HTTP " + r.status))))
  .then((text) => { document.getElementById("greeting").textContent = text; })
  .catch((err) => { document.getElementById("greeting").textContent = "error: " + err.message; });
