// Optional comforts; every page works without them.
// A ready-made reply goes straight into the message box (without scripts: the Insert button).
const canned = document.getElementById("canned");
const reply = document.getElementById("reply");
if (canned && reply) {
  canned.addEventListener("change", () => {
    const text = canned.selectedOptions[0] && canned.selectedOptions[0].dataset.text;
    if (text) { reply.value = text; reply.focus(); }
  });
}
// Ask before closing a conversation.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => { if (!confirm(form.dataset.confirm)) event.preventDefault(); });
}
