// The console in real time (server-sent events from /console/events): the queue and the open
// conversation update as things happen, an urgent handover announces itself (title and a short
// sound, which the operator can turn off), and a colleague's claim shows at once. Without
// scripts the pages refresh themselves as before (<noscript> meta refresh).
(() => {
  if (!window.EventSource || !document.querySelector("header form.who")) return;
  const page = document.body.dataset;
  const baseTitle = document.title;
  const muted = () => localStorage.getItem("remi-sound") === "off";

  // A switch for the sound, next to the operator's name.
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "link";
  toggle.id = "sound-toggle";
  const label = () => { toggle.textContent = muted() ? page.soundOff : page.soundOn; };
  toggle.addEventListener("click", () => { localStorage.setItem("remi-sound", muted() ? "on" : "off"); label(); });
  label();
  document.querySelector("header form.who").prepend(toggle);

  // Two rising tones made on the spot (WebAudio): no sound file to download.
  let audio = null;
  const chime = () => {
    if (muted()) return;
    try {
      audio = audio || new AudioContext();
      [660, 880].forEach((freq, i) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        const at = audio.currentTime + i * 0.18;
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
        osc.connect(gain).connect(audio.destination);
        osc.start(at);
        osc.stop(at + 0.17);
      });
    } catch (e) { /* no audio on this machine: the title still says it */ }
  };

  // Fetch the page again and put in the parts that changed; the reply being typed stays.
  const refresh = async (ids) => {
    const response = await fetch(location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ids) {
      const now = document.getElementById(id), next = fresh.getElementById(id);
      if (now && next) now.replaceWith(next);
      else if (now && !next) now.remove();
    }
    document.dispatchEvent(new Event("remi:refreshed"));
  };

  // The state each part of the page was drawn from (data-live-*): a change between drawing the
  // page and the stream's first event (a reply refused just after Send, an urgent handover
  // arriving meanwhile) is then shown, not taken for the starting point.
  const drawn = {
    queue: page.liveQueue ? JSON.parse(page.liveQueue) : undefined,
    handover: page.liveHandover ? JSON.parse(page.liveHandover) : undefined,
  };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const changed = (name, state, first) => !first || (drawn[name] !== undefined && !same(drawn[name], state));

  const announced = new Set(JSON.parse(sessionStorage.getItem("remi-announced") || "[]"));
  let first = true;
  const hid = page.handover || "";
  const events = new EventSource("/console/events" + (hid ? "?handover=" + encodeURIComponent(hid) : ""));
  events.addEventListener("queue", (event) => {
    const state = JSON.parse(event.data);
    if (first && drawn.queue) drawn.queue.urgent.forEach((id) => announced.add(id));  // shown already
    const news = changed("queue", state, first);
    const fresh = state.urgent.filter((id) => !announced.has(id));
    if (fresh.length && news) {
      document.title = "(" + state.urgent.length + ") " + page.urgentTitle + " · " + baseTitle;
      chime();
    } else if (!state.urgent.length) {
      document.title = baseTitle;
    }
    fresh.forEach((id) => announced.add(id));
    sessionStorage.setItem("remi-announced", JSON.stringify([...announced]));
    if (news) refresh(["queue-nav", "queue-list"]);
    first = false;
  });
  let firstHandover = true;
  events.addEventListener("handover", (event) => {
    if (changed("handover", JSON.parse(event.data), firstHandover)) {
      refresh(["status", "actions", "transcript", "window", "claim-state"]);
    }
    firstHandover = false;
  });
})();
