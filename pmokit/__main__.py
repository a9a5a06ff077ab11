from pmokit.cli import main

main()
