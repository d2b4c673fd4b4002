"""WeChat Official Account (公众号): signed XML callbacks in, passive replies and the customer-service API out."""
