// @ts-check
/**
 * One drawing pass for the whole page: every card's figures and charts in one animation frame, and at most one such
 * frame per `paceMs`. Each agent sends a sample of each topic about once a second, at moments of its own: drawing on
 * each arrival would cost a style, layout and paint per event, and 16 agents sixteen times as many. Paced, they all
 * share one. A hidden tab gets no animation frames: it draws once when shown again.
 */

/**
 * @typedef {object} Frames
 * @property {(soon?: boolean) => void} request asks for a pass; `soon` (a person clicked) skips the pace
 */

/**
 * @param {() => void} draw the pass
 * @param {number} paceMs the least time from one pass to the next
 * @returns {Frames}
 */
export function createFrames(draw, paceMs) {
  let frame = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let wait;
  let lastPassAt = -Infinity;

  const pass = () => {
    frame = 0;
    lastPassAt = performance.now();
    draw();
  };
  const inFrame = () => {
    wait = undefined;
    frame ||= requestAnimationFrame(pass);
  };

  return {
    request(soon = false) {
      if (frame) return;
      if (soon) clearTimeout(wait);
      else if (wait) return;
      const left = lastPassAt + paceMs - performance.now();
      if (soon || left <= 0) inFrame();
      else wait = setTimeout(inFrame, left);
    },
  };
}
