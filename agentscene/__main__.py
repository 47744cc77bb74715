from agentscene.cli import main

main()
