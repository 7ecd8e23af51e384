import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import './styles/base.css';
import './styles/controls.css';
import './styles/changes.css';
import './styles/bytes.css';

createApp(App).use(createPinia()).mount('#app');
