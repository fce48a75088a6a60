import sys

from wairo_client.cli import main

sys.exit(main())
