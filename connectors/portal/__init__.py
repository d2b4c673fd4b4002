"""The city portal: the page server and the widget's Socket.IO channel."""
