// Apache ECharts, tree-shaken to the charts and components the panels use,
// drawn as SVG. Most of the dashboard's code: charts.js imports it on the
// first chart, so the overview's numbers never wait for it.
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, LineChart, SankeyChart } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  CustomChart,
  LineChart,
  SankeyChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  SVGRenderer,
]);

export { echarts };
