// Talk pages. On a subject's page: the classify page's image viewer (same controls and shortcuts) over
// the subject's cutouts. Everywhere: ask before deleting or hiding a comment. Forms work without this file.
import { fetchBand, fetchDenoised } from "./classify/bands.js";
import { bindControls } from "./classify/controls.js";
import { showFacts } from "./classify/facts.js";
import { bindKeyboard } from "./classify/keyboard.js";
import { Viewer } from "./classify/viewer.js";

function setupViewer(root) {
  const subject = JSON.parse(document.getElementById("subject-data").textContent);
  let sync = () => {};
  const viewer = new Viewer(root, () => sync());
  sync = bindControls(root, viewer);
  viewer.setLoading();
  const facts = root.querySelector("#subject-facts");
  const citation = root.querySelector("#subject-citation");
  if (facts && citation) showFacts(facts, citation, subject);
  bindKeyboard({ viewer, answers: [], select: () => {}, done: () => {}, back: () => false });

  const load = async (name) => {
    const band = subject.bands?.[name];
    if (!band) return null;
    const [data, denoised] = await Promise.all([fetchBand(name, band), fetchDenoised(name, band)]);
    data.denoised = denoised;
    return data;
  };
  Promise.all([load("xray"), load("optical")])
    .then(([xray, optical]) => {
      viewer.setSubject({ xray, optical }, { ra: subject.ra, dec: subject.dec });
      root.dataset.state = "ready";
      root.querySelector(".panels")?.setAttribute("aria-busy", "false");
    })
    .catch((error) => {
      root.dataset.state = "error";
      const box = root.querySelector("[data-viewer-error]");
      if (box) {
        box.textContent = error instanceof TypeError ? "We couldn't download the images. Check your connection and reload." : error.message;
        box.hidden = false;
      }
    });
  // Read-only hook for browser tests, as on the classify page.
  window.clusterHuntViewer = Object.freeze({ pixelAt: (band, x, y) => viewer.pixelAt(band, x, y) });
}

function setupConfirmations() {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

const viewerRoot = document.getElementById("subject-viewer");
if (viewerRoot) setupViewer(viewerRoot);
setupConfirmations();
