/* Display equations wider than the text column are scaled down to fit it (to at least
 * 60 % of their size; beyond that they scroll sideways, see book.css), instead of being
 * cut off on the right. Run once MathJax has typeset the page, and again on resize.
 * MathJax sets each equation's own font-size (to match the text): we scale that. */
(function () {
  function boxes() {
    var found = [];
    document.querySelectorAll("div.math, mjx-container[display='true']").forEach(function (el) {
      if (el.matches("mjx-container") && el.closest("div.math")) return;   // with its div
      var math = el.matches("mjx-container") ? el : el.querySelector("mjx-container");
      if (math) found.push([el, math]);
    });
    return found;
  }
  function fit() {
    boxes().forEach(function (pair) {
      var box = pair[0], math = pair[1], scale = 1;
      if (math.dataset.bookSize === undefined) math.dataset.bookSize = math.style.fontSize;
      var base = parseFloat(math.dataset.bookSize) || 100;              // per cent
      math.style.fontSize = math.dataset.bookSize;
      for (var pass = 0; pass < 4; pass++) {         // widths do not scale exactly
        if (!box.clientWidth || !math.clientWidth) break;               // not laid out
        var ratio = Math.max(box.scrollWidth / box.clientWidth,       // the box, or the
                             math.scrollWidth / math.clientWidth);    // equation inside it
        if (ratio <= 1.001 || scale <= 0.6) break;
        scale = Math.max(0.6, scale * 0.99 / ratio);
        math.style.fontSize = base * scale + "%";
      }
    });
  }
  window.addEventListener("load", function () {
    var ready = window.MathJax && MathJax.startup && MathJax.startup.promise;
    (ready ? MathJax.startup.promise : Promise.resolve()).then(fit);
    window.addEventListener("resize", fit);
  });
})();
