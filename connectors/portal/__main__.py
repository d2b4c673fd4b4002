from connectors.portal.server import main

main()
