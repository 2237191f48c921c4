// Browser journeys of the public portal, in Debian's Chromium through playwright-core, with
// axe-core on every page (no serious or critical violation) and screenshots at phone and
// desktop widths. Run by scripts/browser-test, which starts a demo server and sets:
//   MOTCUA_BASE   the server's base URL
//   MOTCUA_TOKEN  an API token of the demo account (desk and processing officer city-wide)
//   ARTIFACTS     where screenshots go
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.MOTCUA_BASE ?? 'http://127.0.0.1:8080';
const TOKEN = process.env.MOTCUA_TOKEN ?? '';
const PASSWORD = process.env.MOTCUA_PASSWORD ?? '';
const ARTIFACTS = process.env.ARTIFACTS ?? 'artifacts';
const APPLICANT = 'Nguyễn Thị Thử Nghiệm';
mkdirSync(ARTIFACTS, { recursive: true });

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
});
after(async () => { await browser?.close(); });

const sizes = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

async function page(size = 'desktop') {
  const context = await browser.newContext({ viewport: sizes[size], locale: 'vi-VN' });
  return context.newPage();
}

/** axe-core on the current page: no serious or critical violation. */
async function accessible(p, name) {
  await p.addScriptTag({ content: AXE });
  const result = await p.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [], `${name}: accessibility`);
}

/** Screenshots of a URL at both widths (after checking it at each). */
async function shoot(path, name) {
  for (const size of Object.keys(sizes)) {
    const p = await page(size);
    const response = await p.goto(BASE + path);
    assert.ok(response.ok(), `${path}: ${response.status()}`);
    await accessible(p, `${name} (${size})`);
    await p.screenshot({ path: `${ARTIFACTS}/${name}-${size}.png`, fullPage: true });
    await p.context().close();
  }
}

async function api(method, path, body) {
  const response = await fetch(BASE + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** A dossier received at the counter of a ward and accepted, through the staff API. */
async function acceptedDossier() {
  const created = await api('POST', '/api/v1/dossiers', {
    unit: '26740', procedure: '1.004873', channel: 'counter',
    applicant: { name: APPLICANT, id_number: '079300000123', phone: '0909123456' },
  });
  await api('POST', `/api/v1/dossiers/${created.code}/transitions`, { action: 'accept' });
  return created;
}

test('a citizen finds a procedure typing without diacritics and reads what to bring', async () => {
  const p = await page();
  await p.goto(BASE + '/');
  await accessible(p, 'home');
  await p.getByLabel('Tìm thủ tục').fill('giay phep xay dung');
  await p.getByRole('button', { name: 'Tìm kiếm' }).click();
  await p.waitForURL(/\/thu-tuc\?q=/);
  const first = p.locator('.results a.title').first();
  assert.match(await first.innerText(), /giấy phép xây dựng/i);
  await accessible(p, 'catalogue search');
  await first.click();
  await p.waitForURL(/\/thu-tuc\/[0-9.]+$/);
  assert.match(await p.locator('h1').innerText(), /giấy phép xây dựng/i);
  assert.ok(await p.getByRole('heading', { name: 'Thành phần hồ sơ' }).isVisible());
  assert.match(await p.locator('dl.facts').innerText(), /Thời hạn giải quyết\s+\d+ ngày/);
  await accessible(p, 'procedure');
  // The same search in another way of typing: "dang ky khai sinh" finds "Đăng ký khai sinh".
  await p.goto(BASE + '/thu-tuc?q=dang+ky+khai+sinh');
  assert.equal(await p.locator('.results a.title').first().innerText(), 'Đăng ký khai sinh');
  await p.context().close();
  await shoot('/', 'home');
  await shoot('/thu-tuc?q=giay+phep+xay+dung', 'catalogue');
  await shoot('/thu-tuc/1.004873', 'procedure');
});

test('a citizen looks a dossier up with the code and the receipt secret, and sees no personal data', async () => {
  const dossier = await acceptedDossier();
  const p = await page('phone');
  await p.goto(BASE + '/tra-cuu');
  await p.getByLabel('Mã hồ sơ').fill(dossier.code);
  await p.getByLabel('Mã bí mật').fill('WRONG123');
  await p.getByRole('button', { name: 'Tra cứu' }).click();
  assert.match(await p.getByRole('alert').innerText(), /Không tìm thấy hồ sơ/);
  await p.getByLabel('Mã bí mật').fill(dossier.receipt_secret.toLowerCase());
  await p.getByRole('button', { name: 'Tra cứu' }).click();
  const found = p.locator('section.card');
  await found.waitFor();
  const text = await found.innerText();
  assert.match(text, new RegExp(dossier.code));
  assert.match(text, /Đang giải quyết/);
  assert.match(text, /Tiếp nhận/);
  assert.match(text, /Hẹn trả kết quả/);
  const html = await p.content();
  for (const secret of [APPLICANT, '079300000123', '0909123456']) assert.ok(!html.includes(secret), `no ${secret}`);
  await accessible(p, 'look-up');
  await p.screenshot({ path: `${ARTIFACTS}/lookup-phone.png`, fullPage: true });
  await p.context().close();
});

test('the public board reflects a new dossier, and open data carries no personal data', async () => {
  const received = async () => {
    const p = await page();
    await p.goto(BASE + '/thong-ke');
    const value = await p.locator('.figure .value').first().innerText();
    await p.context().close();
    return Number(value);
  };
  const before = await received();
  await acceptedDossier();
  // The board may be reused for a second after a write (BoardCache::FRESH).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal(await received(), before + 1);
  await shoot('/thong-ke', 'statistics');
  const p = await page();
  await p.goto(BASE + '/thong-ke');
  assert.ok(await p.locator('svg.chart title').count() >= 1, 'the land branches chart');
  assert.match(await p.locator('#land + p').innerText(), /\/ 38/);
  await p.context().close();
  const csv = await (await fetch(BASE + '/du-lieu-mo/thong-ke-don-vi.csv')).text();
  assert.match(csv.split('\n')[0], /^unit_code,unit_name,from,to,received_counter/);
  assert.ok(csv.split('\n').length > 10);
  assert.ok(!csv.includes(APPLICANT));
  const json = await (await fetch(BASE + '/du-lieu-mo/thong-ke-don-vi.json')).json();
  assert.ok(json.length > 10 && 'on_time_rate' in json[0]);
  await shoot('/du-lieu-mo', 'open-data');
});

test('English is one click away and keeps the page', async () => {
  const p = await page();
  await p.goto(BASE + '/thu-tuc?q=khai+sinh');
  await p.getByRole('link', { name: 'English' }).click();
  await p.waitForURL(/\/en\/thu-tuc\?q=khai\+sinh$/);
  assert.equal(await p.locator('html').getAttribute('lang'), 'en');
  assert.equal(await p.locator('h1').innerText(), 'Administrative procedures');
  await accessible(p, 'English catalogue');
  await p.getByRole('link', { name: 'Tiếng Việt' }).click();
  await p.waitForURL(/\/thu-tuc\?q=khai\+sinh$/);
  await p.context().close();
  await shoot('/en/thong-ke', 'statistics-en');
  const missing = await (await page()).goto(BASE + '/khong-co-trang-nay');
  assert.equal(missing.status(), 404);
});

test('an officer logs in, works a dossier from intake to return, and the look-up shows it', async () => {
  const created = await api('POST', '/api/v1/dossiers', {
    unit: '26740', procedure: '1.004873', channel: 'counter', applicant: { name: APPLICANT, phone: '0909123456' },
  });
  const p = await page();
  await p.goto(BASE + '/can-bo');
  await p.waitForURL(/\/can-bo\/dang-nhap$/);
  await accessible(p, 'staff log-in');
  await p.screenshot({ path: `${ARTIFACTS}/staff-login-desktop.png`, fullPage: true });
  await p.getByLabel('Tên đăng nhập').fill('demo');
  await p.getByLabel('Mật khẩu').fill('not the password');
  await p.getByRole('button', { name: 'Đăng nhập' }).click();
  assert.match(await p.getByRole('alert').innerText(), /Sai tên đăng nhập hoặc mật khẩu/);
  await p.getByLabel('Mật khẩu').fill(PASSWORD);
  await p.getByRole('button', { name: 'Đăng nhập' }).click();
  await p.waitForURL(/\/can-bo$/);
  // The ward's queue, awaiting intake: the new dossier is there.
  await p.getByLabel('Đơn vị').selectOption('26740');
  await p.getByLabel('Thủ tục').selectOption('1.004873');
  await p.getByLabel('Kênh nộp').selectOption('counter');
  await p.getByRole('button', { name: 'Lọc', exact: true }).click();
  await p.getByRole('link', { name: 'Đã nộp, chờ tiếp nhận' }).click();
  // Filtered: only that procedure and channel, and the filters survive the tab change.
  assert.equal(await p.getByLabel('Thủ tục').inputValue(), '1.004873');
  const listed = await p.locator('tbody tr td:nth-child(2)').allInnerTexts();
  assert.ok(listed.length > 0 && listed.every((name) => name === listed[0]), `one procedure: ${listed.slice(0, 3)}`);
  await accessible(p, 'staff queue with filters');
  await p.screenshot({ path: `${ARTIFACTS}/staff-queue-desktop.png`, fullPage: true });
  // Open a dossier by typing its code.
  await p.getByLabel('Mở hồ sơ theo mã').fill(created.code.toLowerCase());
  await p.getByRole('button', { name: 'Mở', exact: true }).click();
  await p.waitForURL(new RegExp(`/can-bo/ho-so/${created.code}$`));
  assert.match(await p.locator('main').innerText(), new RegExp(APPLICANT), 'staff see the applicant');
  await accessible(p, 'staff dossier');
  const press = async (name) => {
    await p.getByRole('button', { name, exact: true }).click();
    await p.waitForLoadState();
  };
  await press('Tiếp nhận');
  assert.match(await p.locator('dl.facts').first().innerText(), /Đang giải quyết/);
  await p.screenshot({ path: `${ARTIFACTS}/staff-dossier-desktop.png`, fullPage: true });
  // Work the steps until the decision, then approve and return.
  for (let step = 0; step < 10 && (await p.getByRole('button', { name: 'Hoàn thành bước hiện tại' }).count()) > 0; step++) {
    const before = await p.locator('tbody tr').count();
    await press('Hoàn thành bước hiện tại');
    if ((await p.locator('tbody tr').count()) === before) break; // every step done: the domain refused one more
  }
  await press('Phê duyệt kết quả');
  await press('Trả kết quả');
  assert.match(await p.locator('dl.facts').first().innerText(), /Đã trả kết quả/);
  const sheet = await p.locator('table').innerText();
  for (const line of ['Nộp hồ sơ', 'Tiếp nhận', 'Có kết quả giải quyết', 'Trả kết quả']) assert.match(sheet, new RegExp(line));
  // Each step and the decision are judged against their due times: done at once, so early.
  const steps = await p.locator('tbody tr', { hasText: 'Hoàn thành một bước xử lý' }).allInnerTexts();
  assert.ok(steps.length > 0 && steps.every((row) => /Trước hạn|Đúng hạn/.test(row)), `steps judged: ${steps}`);
  assert.match(await p.locator('tbody tr', { hasText: 'Có kết quả giải quyết' }).innerText(), /Chấp thuận.*Trước hạn|Chấp thuận[\s\S]*Trước hạn/);
  await p.getByRole('button', { name: 'Đăng xuất' }).click();
  await p.waitForURL(/\/can-bo\/dang-nhap$/);
  await p.context().close();
  // The citizen sees the result returned, on time, and that the officer read the dossier.
  const citizen = await page('phone');
  await citizen.goto(`${BASE}/tra-cuu?ma=${created.code}&bi-mat=${created.receipt_secret}`);
  const found = await citizen.locator('section.card').innerText();
  assert.match(found, /Đã trả kết quả/);
  assert.match(found, /demo/);
  await citizen.context().close();
});

test('the counter intake is done from the keyboard, refuses an incomplete dossier and prints a receipt with a QR code', async () => {
  const p = await page();
  await p.goto(BASE + '/can-bo/dang-nhap');
  await p.getByLabel('Tên đăng nhập').fill('demo');
  await p.getByLabel('Mật khẩu').fill(PASSWORD);
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/can-bo$/);
  await p.getByRole('link', { name: 'Tiếp nhận hồ sơ mới' }).click();
  await p.getByLabel('Đơn vị').selectOption('26740');
  await p.getByLabel('Thủ tục', { exact: true }).selectOption('1.004873');
  await p.getByRole('button', { name: 'Chọn' }).click();
  await accessible(p, 'counter intake');
  await p.getByLabel('Họ tên').fill('Lê Văn Quầy');
  await p.getByLabel('Điện thoại').fill('0901000222');
  await p.getByRole('button', { name: 'Tiếp nhận và in biên nhận' }).click();
  assert.match(await p.getByRole('alert').innerText(), /chưa đủ thành phần/);
  assert.equal(await p.getByLabel('Họ tên').inputValue(), 'Lê Văn Quầy', 'what was typed is kept');
  // Keyboard only: tab to each box and tick it with the space bar.
  const boxes = p.locator('input[name=doc]');
  for (let index = 0; index < (await boxes.count()); index++) {
    await boxes.nth(index).focus();
    await p.keyboard.press('Space');
  }
  await p.getByRole('button', { name: 'Tiếp nhận và in biên nhận' }).focus();
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/can-bo\/bien-nhan\//);
  await accessible(p, 'receipt');
  const receipt = await p.locator('article.receipt').innerText();
  const code = receipt.match(/26740-\d{6}-\d{4}/)[0];
  const secret = (await p.locator('.secret').innerText()).trim();
  assert.match(secret, /^[0-9A-Z]{8}$/);
  assert.ok(await p.locator('figure.qr svg').count() === 1, 'a QR code');
  assert.match(await p.locator('figure.qr small').innerText(), new RegExp(`/tra-cuu\\?ma=${code}&bi-mat=${secret}$`));
  await p.screenshot({ path: `${ARTIFACTS}/receipt-desktop.png`, fullPage: true });
  await p.context().close();
  const citizen = await page('phone');
  await citizen.goto(`${BASE}/tra-cuu?ma=${code}&bi-mat=${secret}`);
  assert.match(await citizen.locator('section.card').innerText(), /Đang giải quyết/);
  await citizen.context().close();
});

test('a citizen submits online with files, gets a code and a secret, and an officer opens the files', async () => {
  const p = await page('phone');
  await p.goto(BASE + '/thu-tuc?q=xac+nhan+tinh+trang+hon+nhan');
  await p.locator('.results a.title').first().click();
  await p.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();
  await p.waitForURL(/\/nop$/);
  await accessible(p, 'online form');
  await p.getByLabel('Nơi nộp').selectOption('26740');
  await p.getByLabel('Họ tên').fill('Phan Thị Trực Tuyến');
  await p.getByLabel('Điện thoại').fill('0908777666');
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  const required = p.locator('input[type=file][required]');
  for (let index = 0; index < (await required.count()); index++) {
    await required.nth(index).setInputFiles({ name: `giay-to-${index}.pdf`, mimeType: 'application/pdf', buffer: pdf });
  }
  await p.getByRole('button', { name: 'Gửi hồ sơ' }).click();
  await p.getByRole('heading', { name: 'Đã nộp hồ sơ' }).waitFor();
  await accessible(p, 'online receipt');
  // The latest appointment is promised on the receipt, before the desk accepts.
  assert.match(await p.locator('article.receipt').innerText(), /Hẹn trả kết quả chậm nhất\s+\d{2}:\d{2} \d{2}\/\d{2}\/\d{4}/);
  await p.screenshot({ path: `${ARTIFACTS}/submitted-phone.png`, fullPage: true });
  const code = (await p.locator('.code').innerText()).trim();
  const secret = (await p.locator('.secret').innerText()).trim();
  await p.locator('figure.qr a').click();
  assert.match(await p.locator('section.card').innerText(), /Đã nộp, chờ tiếp nhận/);
  await p.context().close();
  // A file that is not a PDF or an image is refused, and nothing is created.
  const form = new FormData();
  form.set('don-vi', '26740');
  form.set('name', 'Người Gửi Sai');
  form.set('tep-0', new Blob(['MZ not a pdf']), 'virus.exe');
  const refused = await fetch(`${BASE}/thu-tuc/1.004873/nop`, { method: 'POST', body: form });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /Chỉ nhận tệp PDF, JPG hoặc PNG/);
  // The officer finds the files on the dossier page and downloads them.
  const officer = await page();
  await officer.goto(BASE + '/can-bo/dang-nhap');
  await officer.getByLabel('Tên đăng nhập').fill('demo');
  await officer.getByLabel('Mật khẩu').fill(PASSWORD);
  await officer.keyboard.press('Enter');
  await officer.waitForURL(/\/can-bo$/);
  await officer.goto(`${BASE}/can-bo/ho-so/${code}`);
  const link = officer.locator('ul.files a').first();
  const href = await link.getAttribute('href');
  const download = await officer.request.get(BASE + href);
  assert.equal(download.headers()['content-type'], 'application/pdf');
  assert.ok((await download.body()).subarray(0, 5).equals(Buffer.from('%PDF-')));
  assert.match(await officer.locator('main').innerText(), /Phan Thị Trực Tuyến/);
  await officer.context().close();
  assert.match(secret, /^[0-9A-Z]{8}$/);
});

test('the leader dashboard shows units below target, dossiers due soon and the trend', async () => {
  const p = await page();
  await p.goto(BASE + '/can-bo/dang-nhap');
  await p.getByLabel('Tên đăng nhập').fill('demo');
  await p.getByLabel('Mật khẩu').fill(PASSWORD);
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/can-bo$/);
  await p.getByRole('link', { name: 'Bảng điều hành' }).click();
  await p.waitForURL(/\/can-bo\/lanh-dao$/);
  for (const heading of ['Đơn vị dưới chỉ tiêu đúng hạn (98%)', 'Hồ sơ sắp đến hạn hoặc đã quá hạn', 'Tỷ lệ đúng hạn 12 tháng gần nhất']) {
    assert.ok(await p.getByRole('heading', { name: heading }).isVisible(), heading);
  }
  assert.equal(await p.locator('svg.chart title').textContent(), 'Tỷ lệ đúng hạn 12 tháng gần nhất');
  assert.ok((await p.locator('svg.chart rect').count()) >= 3, 'months with settled dossiers are drawn');
  await accessible(p, 'leader dashboard');
  await p.screenshot({ path: `${ARTIFACTS}/leader-desktop.png`, fullPage: true });
  await p.context().close();
});

test('a desk officer sees only the desk actions, and refuses an incomplete dossier with a reason', async () => {
  const created = await api('POST', '/api/v1/dossiers', {
    unit: '26740', procedure: '1.004873', channel: 'counter', applicant: { name: 'Võ Văn Thiếu' },
  });
  const working = await acceptedDossier();
  const p = await page();
  await p.goto(BASE + '/can-bo/dang-nhap');
  await p.getByLabel('Tên đăng nhập').fill('quay.26740');
  await p.getByLabel('Mật khẩu').fill('quay-26740-mat-khau');
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/can-bo$/);
  // In progress: processing and deciding belong to other roles; the desk may record a withdrawal.
  await p.goto(`${BASE}/can-bo/ho-so/${working.code}`);
  const actions = await p.locator('.card').first().innerText();
  assert.doesNotMatch(actions, /Hoàn thành bước hiện tại|Phê duyệt kết quả|Từ chối giải quyết|Yêu cầu bổ sung/);
  assert.match(actions, /Người nộp rút hồ sơ/);
  // Awaiting intake: accept, ask for documents, refuse.
  await p.goto(`${BASE}/can-bo/ho-so/${created.code}`);
  await accessible(p, 'desk officer dossier');
  await p.locator('summary', { hasText: 'Từ chối tiếp nhận' }).click();
  await p.getByLabel('Lý do từ chối tiếp nhận').fill('Thiếu bản chính giấy chứng sinh');
  await p.getByRole('button', { name: 'Từ chối tiếp nhận', exact: true }).click();
  await p.waitForLoadState();
  assert.match(await p.locator('dl.facts').first().innerText(), /Từ chối tiếp nhận/);
  assert.match(await p.locator('table').innerText(), /Thiếu bản chính giấy chứng sinh/);
  await p.screenshot({ path: `${ARTIFACTS}/staff-dossier-desk-desktop.png`, fullPage: true });
  await p.context().close();
});

test('a citizen downloads the signed receipt from the look-up and checks it at /xac-thuc', async () => {
  const created = await acceptedDossier();
  const citizen = await page('phone');
  await citizen.goto(`${BASE}/tra-cuu?ma=${created.code}&bi-mat=${created.receipt_secret}`);
  const link = citizen.getByRole('link', { name: 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả' });
  const href = await link.getAttribute('href');
  const response = await fetch(BASE + href);
  assert.equal(response.headers.get('content-type'), 'application/pdf');
  const pdf = Buffer.from(await response.arrayBuffer());
  assert.ok(pdf.subarray(0, 5).toString() === '%PDF-', 'a PDF');
  // From the look-up to the verification page, which lists the dossier's documents, verified.
  await citizen.getByRole('link', { name: 'Xác thực văn bản' }).last().click();
  await citizen.waitForURL(/\/xac-thuc\?/);
  assert.match(await citizen.locator('#van-ban').innerText(), /Giấy tiếp nhận hồ sơ[\s\S]*Chữ ký hợp lệ/);
  await accessible(citizen, 'verification with a dossier code');
  // Upload the file: genuine, issued here for this dossier.
  await citizen.locator('#tep').setInputFiles({ name: 'bien-nhan.pdf', mimeType: 'application/pdf', buffer: pdf });
  await citizen.getByRole('button', { name: 'Kiểm tra tệp' }).click();
  await citizen.waitForLoadState();
  const verdict = await citizen.locator('#ket-qua').innerText();
  assert.match(verdict, /Văn bản hợp lệ/);
  assert.match(verdict, new RegExp(created.code));
  await accessible(citizen, 'verification of an upload');
  await citizen.screenshot({ path: `${ARTIFACTS}/verify-genuine-phone.png`, fullPage: true });
  // One byte changed: not genuine, and not a file this system issued.
  const changed = Buffer.from(pdf);
  const at = changed.indexOf('<xmp:CreateDate>') + '<xmp:CreateDate>'.length + 3;
  changed[at] ^= 1;
  await citizen.locator('#tep').setInputFiles({ name: 'bien-nhan.pdf', mimeType: 'application/pdf', buffer: changed });
  await citizen.getByRole('button', { name: 'Kiểm tra tệp' }).click();
  await citizen.waitForLoadState();
  const refused = await citizen.locator('#ket-qua').innerText();
  assert.match(refused, /Không xác thực được văn bản/);
  assert.match(refused, /Không có văn bản nào do hệ thống phát hành trùng khớp/);
  await citizen.screenshot({ path: `${ARTIFACTS}/verify-changed-phone.png`, fullPage: true });
  await citizen.context().close();
  await shoot('/xac-thuc', 'verify');
});
