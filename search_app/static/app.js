// Progressive enhancement only: every feature works without this file.
// Loaded from /static (the CSP forbids inline scripts).
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // Keyboard: "/" focuses the search box; j/k move between result titles.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) {
      return;
    }
    if (event.key === "/") {
      var box = document.getElementById("q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
      return;
    }
    if (event.key !== "j" && event.key !== "k") {
      return;
    }
    var links = Array.prototype.slice.call(document.querySelectorAll(".hit-title"));
    if (!links.length) {
      return;
    }
    var at = links.indexOf(document.activeElement);
    var next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    event.preventDefault();
    links[next].focus();
    links[next].closest(".hit").scrollIntoView({block: "nearest"});
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Phones: start with the filter panel folded so results come first.
    var filters = document.querySelector("details.filters");
    var narrow = window.matchMedia("(max-width: 48rem)");
    if (filters && narrow.matches) {
      filters.open = false;
    }
    // Wide screens: the panel stays open (its summary is only a heading there).
    var summary = filters && filters.querySelector("summary");
    if (summary) {
      summary.addEventListener("click", function (event) {
        if (!narrow.matches) {
          event.preventDefault();
        }
      });
    }

    // Directive box: narrow the listed values while typing (accent/case-insensitive).
    var box = document.querySelector("[data-filter-list]");
    if (box) {
      var list = document.getElementById(box.getAttribute("data-filter-list"));
      var fold = function (s) {
        return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase().replace(/[\s\-\/]/g, "");
      };
      box.addEventListener("input", function () {
        var want = fold(box.value);
        var more = list.querySelector("details.more");
        if (more && want) {
          more.open = true;
        }
        list.querySelectorAll("li").forEach(function (li) {
          li.hidden = want !== "" && fold(li.textContent).indexOf(want) === -1;
        });
      });
    }
  });
})();
