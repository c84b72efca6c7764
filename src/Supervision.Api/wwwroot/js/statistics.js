// Statistics page: draws each chart with Apache ECharts (wwwroot/lib/echarts, served by the platform) from the figures
// the server wrote into data-chart, in the page's words. The table beside each chart holds the same figures and is
// what a reader without scripts, or with a screen reader, gets; the chart's accessible name is the server's sentence
// saying what it shows. The SVG renderer keeps to the Content-Security-Policy (styles through the CSSOM only), and the
// tooltip is plain text (no inline style attributes). When every chart is drawn, the charts' wrapper gets data-ready.
(function () {
  "use strict";
  const wrapper = document.querySelector("[data-testid=charts]");
  if (!wrapper) return;
  const containers = Array.from(wrapper.querySelectorAll("[data-chart]"));
  if (!window.echarts) { wrapper.dataset.ready = "true"; return; }

  const ink = "#1a1a1a", bar = "#0b4f9c", grid = "#d9d9d9", axis = "#767676";
  const font = getComputedStyle(document.documentElement).fontFamily || "sans-serif";
  const text = { color: ink, fontFamily: font };

  // A value as the axis writes it: percentage points without float noise ("0.2%", not "0.20000000000000004%").
  function axisLabel(percent) {
    return (v) => {
      const n = Number(Number(v).toPrecision(10));
      return percent ? n + "%" : n.toLocaleString(document.documentElement.lang);
    };
  }

  function escape(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function option(spec) {
    const percent = spec.percent;
    const top = Math.max(0, ...spec.values.filter((v) => v != null), ...spec.upper.filter((v) => v != null));
    const valueAxis = {
      type: "value",
      min: 0,
      name: spec.valueAxis,
      nameLocation: "middle",
      nameGap: 56,
      nameTextStyle: { ...text, fontSize: 14 },
      axisLabel: { ...text, fontSize: 13, formatter: axisLabel(percent) },
      axisLine: { show: true, lineStyle: { color: axis } },
      splitLine: { lineStyle: { color: grid } },
    };
    // A share never goes past 100 %; above half, the whole scale is the honest picture.
    if (percent && top > 50) valueAxis.max = 100;
    const option = {
      animation: false,
      textStyle: { ...text, fontSize: 13 },
      grid: { left: 72, right: 24, top: 48, bottom: 64 },
      xAxis: {
        type: "category",
        data: spec.labels,
        name: spec.categoryAxis,
        nameLocation: "middle",
        nameGap: 36,
        nameTextStyle: { ...text, fontSize: 14 },
        axisLabel: { ...text, fontSize: 13, interval: 0, hideOverlap: true },
        axisLine: { lineStyle: { color: axis } },
        axisTick: { alignWithLabel: true },
      },
      yAxis: valueAxis,
      tooltip: {
        trigger: "axis",
        axisPointer: { type: spec.kind === "line" ? "line" : "shadow" },
        textStyle: { ...text, fontSize: 14 },
        formatter: (items) => {
          const i = Array.isArray(items) ? items[0].dataIndex : items.dataIndex;
          return escape(spec.tips[i]).replace(/\n/g, "<br>");
        },
      },
      series: [],
    };
    if (spec.kind === "line") {
      option.series.push({
        name: spec.series, type: "line", data: spec.values, color: bar, symbolSize: 8, lineStyle: { width: 3 },
      });
    } else {
      option.series.push({
        name: spec.series, type: "bar", data: spec.values, color: bar, barMaxWidth: 64,
        label: spec.kind === "bar" ? { show: true, position: "top", ...text, fontSize: 13, formatter: (p) => axisLabel(percent)(p.value) } : { show: false },
      });
    }
    if (spec.kind === "interval") {
      // The 95 % interval as a whisker over each bar: a custom series drawing a vertical line with two caps.
      option.legend = { top: 0, textStyle: { ...text, fontSize: 14 }, data: [spec.series, spec.interval] };
      option.series.push({
        name: spec.interval,
        type: "custom",
        color: ink,
        data: spec.labels.map((_, i) => [i, spec.lower[i], spec.upper[i]]).filter((d) => d[1] != null && d[2] != null),
        encode: { x: 0, y: [1, 2] },
        z: 3,
        renderItem: (params, api) => {
          const low = api.coord([api.value(0), api.value(1)]);
          const high = api.coord([api.value(0), api.value(2)]);
          const cap = Math.min(12, api.size([1, 0])[0] * 0.15);
          const style = { stroke: ink, lineWidth: 2 };
          return {
            type: "group",
            children: [
              { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              { type: "line", shape: { x1: low[0] - cap, y1: low[1], x2: low[0] + cap, y2: low[1] }, style },
              { type: "line", shape: { x1: high[0] - cap, y1: high[1], x2: high[0] + cap, y2: high[1] }, style },
            ],
          };
        },
      });
    }
    return option;
  }

  let pending = containers.length;
  const done = () => { if (--pending <= 0) wrapper.dataset.ready = "true"; };
  const charts = [];
  for (const container of containers) {
    const spec = JSON.parse(container.dataset.chart);
    container.hidden = false;
    const chart = window.echarts.init(container, null, { renderer: "svg", locale: spec.locale });
    chart.on("finished", function once() {
      chart.off("finished", once);
      container.dataset.rendered = "true";
      done();
    });
    chart.setOption(option(spec));
    charts.push(chart);
  }
  if (containers.length === 0) wrapper.dataset.ready = "true";
  if (window.ResizeObserver) {
    const observer = new ResizeObserver(() => charts.forEach((c) => c.resize()));
    containers.forEach((c) => observer.observe(c));
  }
})();
