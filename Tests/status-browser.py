#!/usr/bin/env python3
"""Drives Debian's chromium through chromedriver (Selenium) over danectl serve's status pages,
as a person would look at them, and prints what it saw as JSON for the Swift test to judge.

Usage: status-browser.py BASE_URL DOMAIN ARTIFACTS_DIR
Saves lab-status-index.png and lab-status-domain.png in ARTIFACTS_DIR.
"""
import json
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

base, domain, artifacts = sys.argv[1], sys.argv[2], sys.argv[3]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
# The browser's profile is ours to remove when it is done (after quit, which writes to it).
profile = tempfile.mkdtemp(prefix='danectl-chromium-')
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900",
                 f"--user-data-dir={profile}"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    seen = {}
    driver.get(base + "/")
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    seen["overview"] = {row.find_element(By.CSS_SELECTOR, "td a").text:
                        row.find_element(By.CSS_SELECTOR, "td .label").text for row in rows}
    driver.save_screenshot(os.path.join(artifacts, "lab-status-index.png"))
    driver.get(base + "/domain/" + domain)
    seen["title"] = driver.title
    seen["status"] = driver.find_element(By.CSS_SELECTOR, "p .label").text
    seen["headings"] = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
    days = driver.find_elements(By.CSS_SELECTOR, "svg g.day")
    seen["chart_days"] = len(days)
    seen["chart_days_with_data"] = sum(1 for day in days if day.find_elements(By.TAG_NAME, "rect"))
    seen["chart_label"] = driver.find_element(By.TAG_NAME, "svg").get_attribute("aria-label")
    seen["failure_rows"] = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
                            for row in driver.find_elements(By.XPATH, "//h2[.='Failures senders reported']/following-sibling::table[1]/tbody/tr")]
    seen["scripts"] = len(driver.find_elements(By.TAG_NAME, "script"))
    driver.save_screenshot(os.path.join(artifacts, "lab-status-domain.png"))
    print(json.dumps(seen))
finally:
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
