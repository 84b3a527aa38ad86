from services.doors.cli import main

raise SystemExit(main())
