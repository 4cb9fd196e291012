/* Draws every chart of the page (the "chart" macro's <div data-chart='{...}'>) with Apache ECharts.
 * ECharts (a megabyte) is fetched the first time a page has a chart, so pages without one never load
 * it. Charts swapped in by htmx are drawn too, and disposed when htmx removes them; each follows
 * its box's size, so it fits a tablet turned on its side or a phone. */
(function () {
  "use strict";
  var source = document.currentScript.getAttribute("data-echarts");
  var loading = null;
  var sizes = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var chart = window.echarts && window.echarts.getInstanceByDom(entry.target);
      if (chart) chart.resize();
    });
  }) : null;

  function echarts() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = source;
        script.onload = function () { resolve(window.echarts); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function draw(root) {
    var boxes = [];
    if (root.matches && root.matches("[data-chart]")) boxes.push(root);
    if (root.querySelectorAll) boxes.push.apply(boxes, root.querySelectorAll("[data-chart]"));
    if (!boxes.length) return;
    echarts().then(function (lib) {
      boxes.forEach(function (box) {
        var options = JSON.parse(box.getAttribute("data-chart"));
        if (options.animation === undefined) options.animation = false; // a live screen redraws; no dance each time
        (lib.getInstanceByDom(box) || lib.init(box)).setOption(options, true);
        if (sizes) sizes.observe(box);
        box.setAttribute("data-drawn", "");
      });
    });
  }

  function dispose(event) {
    var box = event.target;
    if (window.echarts && box.hasAttribute && box.hasAttribute("data-chart")) {
      if (sizes) sizes.unobserve(box);
      var chart = window.echarts.getInstanceByDom(box);
      if (chart) chart.dispose();
    }
  }

  if (!sizes) {
    window.addEventListener("resize", function () {
      document.querySelectorAll("[data-chart]").forEach(function (box) {
        var chart = window.echarts && window.echarts.getInstanceByDom(box);
        if (chart) chart.resize();
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  document.addEventListener("htmx:beforeCleanupElement", dispose);
})();
