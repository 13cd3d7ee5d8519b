"""A $BROWSER for tests: what a user's browser does after signing in, unattended.

`tray-mcp login` runs it as `$BROWSER URL`. It opens the authorization URL and follows the
authorization server's redirects (without a cookie jar or a page to click: the test servers
redirect at once) until tray-mcp's loopback listener answers, then exits. Any failure goes to
stderr and the exit status; tray-mcp then times out waiting, which the test reports.
"""

import sys
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def follow(url):
    opener = urllib.request.build_opener(NoRedirect)
    for _ in range(10):
        try:
            with opener.open(url, timeout=20) as response:
                response.read()
                return
        except urllib.error.HTTPError as error:
            if error.code in (301, 302, 303, 307, 308) and error.headers.get("Location"):
                url = urllib.parse.urljoin(url, error.headers["Location"])
                continue
            raise SystemExit(f"HTTP {error.code} from {url}")
    raise SystemExit("too many redirects")


if __name__ == "__main__":
    follow(sys.argv[-1])
