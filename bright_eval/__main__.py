from bright_eval.cli import main

raise SystemExit(main())
