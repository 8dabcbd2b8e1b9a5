"""The provider's back office: fulfilment agreements and POS orders. No Qt."""
