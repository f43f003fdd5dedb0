from flowscan.cli import main

raise SystemExit(main())
