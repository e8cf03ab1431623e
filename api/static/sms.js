// What a reply will cost on a basic phone, as the operator types: characters, encoding and SMS
// segments. The rules (GSM-7 alphabet, folding table, segment sizes) come from remi/sms.py via
// the page (#sms-rules), so this counts exactly as the outbox sends; no table is kept here.
(() => {
  const data = document.getElementById("sms-rules");
  const box = document.getElementById("reply");
  const meter = document.getElementById("reply-cost");
  if (!data || !box || !meter) return;
  const rules = JSON.parse(data.textContent);
  const basic = new Set(rules.basic), extended = new Set(rules.extended);
  const isGsm = (text) => [...text].every((c) => basic.has(c) || extended.has(c));
  const foldChar = (c) => {
    if (basic.has(c) || extended.has(c)) return c;
    if (c in rules.folds) return rules.folds[c];
    const base = c.normalize("NFD").replace(/\p{M}/gu, "");  // ê → e, as unicodedata.combining
    return base && [...base].every((ch) => basic.has(ch)) ? base : c;
  };
  const segments = (text) => {
    const gsm = isGsm(text);
    const encoding = gsm ? "GSM-7" : "UCS-2";
    const units = gsm ? [...text].reduce((n, c) => n + (extended.has(c) ? 2 : 1), 0) : text.length;
    const count = units <= rules.single[encoding] ? 1 : Math.ceil(units / rules.multi[encoding]);
    return { encoding, units, count };
  };
  const forSms = (text) => {  // remi.sms.for_sms: folded when that costs no more
    const folded = [...text].map(foldChar).join("");
    return segments(folded).count <= segments(text).count ? folded : text;
  };
  const sms = box.dataset.channel !== "whatsapp";
  const update = () => {
    const text = box.value.replace(/\r\n/g, "\n");
    const chars = [...text].length;
    const s = segments(sms ? forSms(text) : text);
    const over = sms && s.count > rules.warn_above;
    meter.dataset.segments = String(s.count);
    meter.dataset.encoding = s.encoding;
    meter.classList.toggle("warning", over);
    meter.textContent = sms
      ? meter.dataset.smsTemplate.replace("{chars}", chars).replace("{encoding}", s.encoding).replace("{segments}", s.count)
        + (over ? " " + meter.dataset.warn : "")
      : meter.dataset.whatsappTemplate.replace("{chars}", chars);
  };
  box.addEventListener("input", update);
  update();
})();
