// A refusal is heard and felt, not only seen: a low double beep and a vibration.

let audio = null;

/** Chrome lets a page vibrate only once the user has touched it (a scan or a tap). */
function vibrate(pattern) {
  const activated = !navigator.userActivation || navigator.userActivation.hasBeenActive;
  if (navigator.vibrate && activated) navigator.vibrate(pattern);
}

function beep(context, start, frequency) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = "square";
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.25, start);
  gain.gain.exponentialRampToValueAtTime(0.001, start + 0.18);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(start);
  oscillator.stop(start + 0.2);
}

export function refusal() {
  vibrate([200, 100, 200]);
  try {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
    beep(audio, audio.currentTime, 330);
    beep(audio, audio.currentTime + 0.25, 220);
  } catch {
    // no sound device: the vibration and the message remain
  }
}

export function success() {
  vibrate(60);
}
