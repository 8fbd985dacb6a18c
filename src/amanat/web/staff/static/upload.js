// Sends a chosen file to /api/uploads in pieces, in order, with a progress bar; after a
// dropped connection it waits, asks the server how many bytes arrived and resumes
// there. The server's one-sentence messages (wrong type, empty, too large) are shown
// as they come. Loaded from the intake wizard's attachments step (no inline scripts).
(function () {
  "use strict";

  var box = document.getElementById("upload");
  if (!box) { return; }
  var input = document.getElementById("upload-file");
  var start = document.getElementById("upload-start");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var piece = parseInt(box.getAttribute("data-piece"), 10) || 4194304;

  function Refused(message) { this.message = message; }

  function csrf() {
    var field = document.querySelector("form.intake input[name=csrf]");
    return field ? field.value : "";
  }

  function say(text) { status.textContent = text; }

  function sleep(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  function call(method, url, body, headers) {
    var all = { "X-CSRF-Token": csrf() };
    Object.keys(headers || {}).forEach(function (k) { all[k] = headers[k]; });
    return fetch(url, { method: method, body: body, headers: all, credentials: "same-origin" });
  }

  async function answer(response) {
    try { return await response.json(); } catch (e) { return {}; }
  }

  async function receivedSoFar(id) {
    var response = await call("GET", "/api/uploads/" + encodeURIComponent(id));
    var body = await answer(response);
    if (!response.ok) { throw new Refused(body.error || box.getAttribute("data-msg-failed")); }
    return body.received;
  }

  function show(sent, size) {
    bar.value = size ? Math.floor((sent * 100) / size) : 0;
    say(sent.toLocaleString() + " / " + size.toLocaleString());
  }

  async function send(file) {
    var response = await call("POST", "/api/uploads",
      JSON.stringify({ name: file.name, media_type: file.type || "", size: file.size }),
      { "Content-Type": "application/json" });
    var body = await answer(response);
    if (!response.ok) { throw new Refused(body.error || box.getAttribute("data-msg-failed")); }
    var id = body.id;
    var size = Math.min(piece, body.piece || piece);
    var offset = 0;
    var wait = 1000;
    show(0, file.size);
    while (offset < file.size) {
      try {
        response = await call("PUT", "/api/uploads/" + encodeURIComponent(id),
          file.slice(offset, offset + size),
          { "Upload-Offset": String(offset), "Content-Type": "application/octet-stream" });
        body = await answer(response);
        if (response.status === 409 && typeof body.received === "number") {
          offset = body.received;  // the server has more or less than we thought
          continue;
        }
        if (!response.ok) { throw new Refused(body.error || box.getAttribute("data-msg-failed")); }
        offset = body.received;
        wait = 1000;
        show(offset, file.size);
      } catch (e) {
        if (e instanceof Refused) { throw e; }
        say(box.getAttribute("data-msg-lost"));
        await sleep(wait);
        wait = Math.min(wait * 2, 30000);
        try { offset = await receivedSoFar(id); } catch (again) {
          if (again instanceof Refused) { throw again; }
        }
      }
    }
  }

  start.addEventListener("click", async function () {
    var file = input.files && input.files[0];
    if (!file) { input.focus(); return; }
    start.disabled = true;
    try {
      await send(file);
      say(box.getAttribute("data-msg-done"));
      // The list of files is drawn by the server: post the form (keeping each file's
      // "who may see it") and show the step again with the new file in it.
      var form = box.closest("form");
      if (form) {
        var stay = document.createElement("input");
        stay.type = "hidden";
        stay.name = "action";
        stay.value = "stay";
        form.appendChild(stay);
        form.submit();
      } else {
        window.location.reload();
      }
    } catch (e) {
      say(e.message || String(e));
    } finally {
      start.disabled = false;
    }
  });
})();
