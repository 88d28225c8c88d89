# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""End to end: the sketch pad in headless Chromium (Debian's ``chromium``
and ``chromium-driver`` through Selenium; nothing is downloaded).

A stroke drawn on the canvas with the mouse must bring result images that
load. The screenshot goes to ``tmp_path``, or to ``docs/images/
sketchpad.png`` with ``SKETRET_UPDATE_SCREENSHOT=1``; that mode serves the
whole bundled gallery at the config's input size, with the demo checkpoint
when it exists (else the ImageNet-pretrained, not fine-tuned weights).
"""
import math
import os
import os.path as osp
import shutil

import pytest
from web_helpers import CONFIG, REPO_ROOT, LiveServer, bundled_sketch

from sketret.sketchpad import create_app

UPDATE_SCREENSHOT = os.environ.get('SKETRET_UPDATE_SCREENSHOT') == '1'
SCREENSHOT = osp.join(REPO_ROOT, 'docs', 'images', 'sketchpad.png')
DEMO_CHECKPOINT = osp.join(
    REPO_ROOT, 'model_zoo', 'bda-sketret',
    'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.pth')
TOPK = 8 if not UPDATE_SCREENSHOT else 12


def _find(name: str, debian_path: str):
    return shutil.which(name) or (debian_path
                                  if osp.isfile(debian_path) else None)


CHROMIUM = _find('chromium', '/usr/bin/chromium')
CHROMEDRIVER = _find('chromedriver', '/usr/bin/chromedriver')
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason='the browser test needs Chromium and its driver: apt-get install '
    'chromium chromium-driver (not found: ' + ', '.join(
        n for n, p in (('chromium', CHROMIUM), ('chromedriver',
                                                CHROMEDRIVER)) if p is None) +
    ')')


@pytest.fixture(scope='module')
def app(request):
    if not UPDATE_SCREENSHOT:
        return create_app(request.getfixturevalue('retriever'),
                          request.getfixturevalue('gallery_index'),
                          topk=TOPK, gallery_name='mini-20')
    from sketret.apis import SketchRetriever, init_model
    from sketret.datasets.assets import SBIR_MINI_ROOT
    checkpoint = (DEMO_CHECKPOINT if osp.isfile(DEMO_CHECKPOINT) else None)
    name = osp.splitext(osp.basename(CONFIG))[0]
    if checkpoint is None:
        name += ' (ImageNet weights, not fine-tuned)'
    import torch
    with torch.random.fork_rng():
        torch.manual_seed(0)  # heads not pretrained without a checkpoint
        model = init_model(CONFIG, checkpoint, 'cpu')
    retriever = SketchRetriever(model, model_name=name)
    index = retriever.build_index(SBIR_MINI_ROOT)
    return create_app(retriever, index, topk=TOPK, gallery_name='sbir-mini')


@pytest.fixture(scope='module')
def server(app):
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope='module')
def driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp('chromium-profile')
    for flag in ('--headless', '--no-sandbox', '--disable-gpu',
                 '--disable-dev-shm-usage', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--no-first-run', '--disable-extensions',
                 '--window-size=1280,900', '--hide-scrollbars',
                 f'--user-data-dir={profile}'):
        options.add_argument(flag)
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER),
                           options=options)
    drv.set_page_load_timeout(30)
    try:
        yield drv
    finally:
        drv.quit()


def pear_outline(n=28, radius=110):
    """Points (relative to the canvas centre) of a pear-like closed curve,
    then a stem."""
    pts = []
    for i in range(n + 1):
        t = 2 * math.pi * i / n
        r = radius * (1 - 0.35 * max(0.0, -math.sin(t)) ** 2)
        pts.append((r * math.cos(t), 30 + r * math.sin(t) * 1.1))
    return pts


def draw(driver, canvas, points):
    """One stroke through ``points`` (offsets from the canvas centre)."""
    from selenium.webdriver.common.action_chains import ActionChains
    chain = ActionChains(driver, duration=15)
    x0, y0 = (round(v) for v in points[0])
    chain.move_to_element_with_offset(canvas, x0, y0).click_and_hold()
    last = (x0, y0)
    for x, y in points[1:]:
        x, y = round(x), round(y)
        chain.move_by_offset(x - last[0], y - last[1])
        last = (x, y)
    chain.release().perform()


RESULTS_LOADED = """
const imgs = Array.from(document.querySelectorAll('#results li img'));
return imgs.length === arguments[0] &&
    imgs.every((img) => img.complete && img.naturalWidth > 0);
"""


def wait_for_results(driver, k, timeout=60):
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(RESULTS_LOADED, k))


def test_draw_and_see_results(server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(server.url + '/')
    WebDriverWait(driver, 20).until(
        lambda d: 'gallery:' in d.find_element(By.ID, 'info').text)
    info = driver.find_element(By.ID, 'info').text
    assert info.startswith('model: ') and 'photos)' in info
    canvas = driver.find_element(By.ID, 'pad')
    assert driver.find_elements(By.CSS_SELECTOR, '#results li') == []

    draw(driver, canvas, pear_outline())
    draw(driver, canvas, [(0, -70), (4, -100), (10, -125)])  # the stem
    draw(driver, canvas, [(10, -100), (35, -120), (60, -110)])  # a leaf
    wait_for_results(driver, TOPK)

    items = driver.find_elements(By.CSS_SELECTOR, '#results li')
    ranks = [li.find_element(By.CLASS_NAME, 'rank').text for li in items]
    assert ranks == [f'#{i}' for i in range(1, TOPK + 1)]
    classes = [li.find_element(By.CLASS_NAME, 'cls').text for li in items]
    assert all(classes), classes
    status = driver.find_element(By.ID, 'status').text
    assert f'{TOPK} matches' in status, status
    # the canvas really holds black strokes on white
    ink = driver.execute_script("""
        const c = document.getElementById('pad');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let dark = 0;
        for (let i = 0; i < d.data.length; i += 4) dark += d.data[i] < 128;
        return dark;""")
    assert ink > 500

    path = SCREENSHOT if UPDATE_SCREENSHOT else str(tmp_path / 'pad.png')
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert driver.save_screenshot(path)
    assert osp.getsize(path) > 10_000

    if UPDATE_SCREENSHOT:
        return
    # Undo keeps results coming; Clear empties the page
    driver.find_element(By.ID, 'undo').click()
    wait_for_results(driver, TOPK)
    driver.find_element(By.ID, 'clear').click()
    assert driver.find_elements(By.CSS_SELECTOR, '#results li') == []


def test_upload_a_sketch_file(server, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    if UPDATE_SCREENSHOT:
        pytest.skip('screenshot mode')
    driver.get(server.url + '/')
    driver.find_element(By.ID, 'file').send_keys(bundled_sketch('umbrella'))
    wait_for_results(driver, TOPK)
    # a non-image file: the server's JSON error is shown, the page stays
    bad = osp.join(REPO_ROOT, 'LICENSE')
    driver.find_element(By.ID, 'file').send_keys(bad)
    WebDriverWait(driver, 20).until(
        lambda d: 'not a PNG or JPEG' in d.find_element(By.ID, 'status').text)
    assert 'error' in driver.find_element(By.ID, 'status').get_attribute(
        'class')
