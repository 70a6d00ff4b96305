// The web console's entry point: the page served at `/` loads this bundle.

import { render } from 'preact';
import { App } from './app.js';
// uPlot's few rules go in the one stylesheet, so the lazily loaded chart needs no CSS of its own.
import 'uplot/dist/uPlot.min.css';
import './console.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
