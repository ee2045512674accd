// A running import's progress without reloading the page (a page that
// reloads itself loses a screen reader's place, WCAG 2.2.1): the job page
// is fetched again every two seconds; while the import runs only the count
// and the bar change, so the focus stays put; when it ends, the job's part
// of the page is swapped for the outcome, which is announced.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function swap(fresh) {
    var job = document.querySelector("[data-import-job]");
    var running = fresh.querySelector("[data-import-progress]");
    if (!job) return false;
    if (running) {
      var count = fresh.querySelector("[data-import-count]");
      var bar = fresh.querySelector("[data-import-progress] progress");
      document.querySelector("[data-import-count]").textContent = count.textContent;
      var here = document.querySelector("[data-import-progress] progress");
      here.max = bar.max;
      here.value = bar.value;
      here.textContent = bar.textContent;
      return true;
    }
    var outcome = fresh.querySelector("[data-import-job]");
    job.replaceWith(outcome);
    var announce = document.querySelector("[data-import-announce]");
    if (announce && outcome) {
      announce.textContent = outcome.textContent.replace(/\s+/g, " ").trim();
    }
    return false;
  }

  function poll() {
    var headers = {Accept: "text/html"};
    fetch(window.location.href, {credentials: "same-origin", headers: headers})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        if (!fresh.querySelector("[data-import-job]")) throw new Error("no job");
        if (swap(fresh)) window.setTimeout(poll, INTERVAL);
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL * 5);
      });
  }

  if (document.querySelector("[data-import-progress]")) {
    window.setTimeout(poll, INTERVAL);
  }
})();
