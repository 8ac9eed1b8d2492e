"""Run the dashboard on the bundled snapshot: `python app.py [--port N] [--data DIR]`.

Same as `kvalitetsvisaren serve`; see README.md.
"""

import sys

from kvalitetsvisaren.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
