from proaktive.cli.main import main

main()
