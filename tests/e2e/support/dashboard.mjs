// The dashboard's detail sections are closed <details> drawn when opened:
// opens one the way the owner does (a click on its summary) and waits until
// it is drawn from the report on screen.
export async function openSection(page, name) {
  const section = `#panel-${name}`;
  if (!(await page.$eval(section, (d) => d.open))) {
    await page.click(`${section} > summary`);
  }
  await page.waitForFunction((selector) => {
    const body = document.querySelector(`${selector} > .panel-body`);
    return document.querySelector(selector).open && body.childElementCount > 0;
  }, section);
}

// Charts draw once ECharts (loaded on the first chart) is here, after the
// page says its data is shown: waits until none is pending.
export async function chartsDrawn(page) {
  await page.waitForFunction(() => document.body.dataset.charts !== 'pending');
}
