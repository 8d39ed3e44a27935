// parallax: small conveniences on top of pages that work without script.
"use strict";

// Side by side: pointing at a shared fact lights up the same fact in the other article.
function linkPairs() {
  for (const pair of document.querySelectorAll("[data-pair]")) {
    const toggle = (event, on) => {
      const mark = event.target.closest("mark[data-ref]");
      if (!mark) return;
      for (const ref of mark.dataset.ref.split(" ")) {
        for (const twin of pair.querySelectorAll("mark[data-ref]")) {
          if (twin.dataset.ref.split(" ").includes(ref)) twin.classList.toggle("linked", on);
        }
      }
    };
    pair.addEventListener("mouseover", (e) => toggle(e, true));
    pair.addEventListener("mouseout", (e) => toggle(e, false));
  }
}

// Choosing an article in the side-by-side form shows it at once.
function autoSubmit() {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
}

document.addEventListener("DOMContentLoaded", () => {
  linkPairs();
  autoSubmit();
});
