// Live boards: the element marked data-live-refresh="<seconds>" is fetched again from the same address every so
// many seconds and swapped in place, without reloading the page. The server answers a request carrying the
// X-Live-Refresh header with that element alone. Kept out of the HTML for the content security policy.
//
// The element marked data-live-status says when the board was last brought up to date, and says so plainly when
// the server could not be reached (the board shown is then the last one received). No fetch while the tab is
// hidden; none swapped while the operator is using a form on the board (it would close under their hand).
(() => {
  const board = () => document.querySelector("[data-live-refresh]");
  const status = document.querySelector("[data-live-status]");
  const first = board();
  if (!first) {
    return;
  }
  const seconds = Math.max(2, Number(first.dataset.liveRefresh) || 10);
  let lastUpdate = first.dataset.liveUpdated || "";
  let timer = null;
  let running = false;

  const say = (state) => {
    if (!status) {
      return;
    }
    const text = status.dataset[`text${state[0].toUpperCase()}${state.slice(1)}`] || "%(time)s";
    status.textContent = text.replace("%(time)s", lastUpdate);
    status.classList.toggle("offline", state === "offline");
    status.classList.toggle("paused", state === "paused");
  };

  // A form on the board is in use: an open "give to another machine" panel, or focus in one of its fields.
  const inUse = (element) =>
    element.querySelector("details[open]") !== null ||
    (element.contains(document.activeElement) && document.activeElement.closest("form") !== null);

  const schedule = (delay) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  };

  async function refresh() {
    if (running || document.visibilityState === "hidden") {
      return; // the visibility change starts it again
    }
    const current = board();
    if (!current) {
      return;
    }
    if (inUse(current)) {
      say("paused");
      schedule(seconds * 1000);
      return;
    }
    running = true;
    try {
      const response = await fetch(window.location.href, {
        headers: { "X-Live-Refresh": "fragment" },
        credentials: "same-origin",
        cache: "no-store",
        signal: AbortSignal.timeout(Math.max(seconds * 1000 - 500, 2000)),
      });
      // Signed out meanwhile, the admin answers with its log-in page: that is no board either.
      if (!response.ok || response.redirected) {
        throw new Error(`HTTP ${response.status}`);
      }
      const html = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = html.querySelector("[data-live-refresh]");
      if (!fresh) {
        throw new Error("no board in the answer");
      }
      if (inUse(current)) {
        say("paused"); // the operator opened a form while the answer was on its way
      } else {
        current.replaceWith(document.adoptNode(fresh));
        lastUpdate = fresh.dataset.liveUpdated || new Date().toLocaleTimeString();
        say("updated");
      }
    } catch (error) {
      say("offline");
    } finally {
      running = false;
      schedule(seconds * 1000);
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      schedule(0); // back on the tab: bring it up to date at once
    } else {
      window.clearTimeout(timer);
    }
  });
  // Closing a form panel on the board lets the refresh go on without waiting for the next round.
  document.addEventListener("toggle", (event) => {
    const current = board();
    if (current && current.contains(event.target) && !inUse(current)) {
      schedule(500);
    }
  }, true);
  say("updated");
  schedule(seconds * 1000);
})();
