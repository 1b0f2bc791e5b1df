import sys

from pgwire.cli import main

sys.exit(main())
